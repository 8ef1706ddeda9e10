package proc

// Fill gathers the extra fields asked for by fields for the processes of
// ps, in place, so that a check can take a cheap snapshot of everything
// and pay for command lines and markers only for the few processes it
// judges. A process that has gone, or whose pid now names another process
// (another start time), keeps what it had. Fill also returns, in a new
// slice, the processes it could read, filled and with their current state
// (a zombie now says so): a check drops the others, which exited between
// the snapshot and the read.
func Fill(ps []ProcessInfo, fields Field) []ProcessInfo {
	live := make([]ProcessInfo, 0, len(ps))
	for i := range ps {
		q, err := Get(ps[i].PID, Options{Fields: fields})
		if err != nil || q.ID() != ps[i].ID() {
			continue
		}
		copyExtras(&ps[i], q, fields)
		p := ps[i]
		p.State = q.State
		live = append(live, p)
	}
	return live
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
