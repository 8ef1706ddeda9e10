package proc

import "time"

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
		q, err := getSettled(ps[i].PID, fields)
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

// settleTries bounds how often [Fill] reads a process in the middle of
// execve again, one millisecond apart.
const settleTries = 100

// getSettled is Get, read again while the process is in the middle of
// execve (bounded): it already has its new name but not yet its
// environment, and would look as if it carried no markers. Once the
// environment is laid out it stays so, so one more read after the
// process is seen settled gives its markers.
func getSettled(pid int, fields Field) (ProcessInfo, error) {
	for try := 1; ; try++ {
		q, err := Get(pid, Options{Fields: fields})
		if err != nil || !fields.Has(FieldMarkers) || q.Markers != nil || q.State.Gone() {
			return q, err
		}
		if !execPending(pid) {
			return Get(pid, Options{Fields: fields})
		}
		if try == settleTries {
			return q, err
		}
		time.Sleep(time.Millisecond)
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
