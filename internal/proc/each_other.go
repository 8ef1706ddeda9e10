//go:build !linux

package proc

// GetEach returns the processes of pids that exist, in the order given,
// with the default fields and the extra ones opts.Fields asks for; pids
// that do not exist (or no longer do) are left out.
func GetEach(pids []int, opts Options) []ProcessInfo {
	out := make([]ProcessInfo, 0, len(pids))
	for _, pid := range pids {
		if p, err := Get(pid, opts); err == nil {
			out = append(out, p)
		}
	}
	return out
}
