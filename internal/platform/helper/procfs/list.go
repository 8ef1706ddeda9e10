package procfs

// AppendPIDs appends the pids of a blank-separated list: a
// /proc/PID/task/TID/children file ("12 34 ") or a cgroup.procs file
// (one per line). A word that is not a pid in 1..[MaxPID] is skipped
// whole.
func AppendPIDs(pids []int, b []byte) []int {
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != ' ' && b[i] != '\n' && b[i] != '\t' {
			i++
		}
		if v, n := ParseInt(b[:i]); n == i && v > 0 && v <= MaxPID {
			pids = append(pids, int(v))
		}
		b = b[min(i+1, len(b)):]
	}
	return pids
}
