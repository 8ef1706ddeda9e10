package proc

// Fill gathers the extra fields asked for by fields for the processes of
// ps, in place, so that a check can take a cheap snapshot of everything
// and pay for command lines and markers only for the few processes it
// judges. A process that has gone, or whose pid now names another process
// (another start time), keeps what it had.
func Fill(ps []ProcessInfo, fields Field) {
	if fields == 0 {
		return
	}
	for i := range ps {
		q, err := Get(ps[i].PID, Options{Fields: fields})
		if err != nil || q.ID() != ps[i].ID() {
			continue
		}
		copyExtras(&ps[i], q, fields)
	}
}

// copyExtras copies the extra fields of src that fields names into dst.
func copyExtras(dst *ProcessInfo, src ProcessInfo, fields Field) {
	if fields.Has(FieldCmdline) {
		dst.Cmdline = src.Cmdline
	}
	if fields.Has(FieldExe) {
		dst.ExePath = src.ExePath
	}
	if fields.Has(FieldUser) {
		dst.User, dst.UID = src.User, src.UID
	}
	if fields.Has(FieldMarkers) {
		dst.Markers = src.Markers
	}
	if fields.Has(FieldCPU) {
		dst.CPUPercent = src.CPUPercent
	}
}
