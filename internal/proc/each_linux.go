package proc

// GetEach returns the processes of pids that exist, in the order given,
// with the default fields and the extra ones opts.Fields asks for; pids
// that do not exist (or no longer do) are left out. On Linux it reads
// each /proc/PID/stat through one open proc root.
func GetEach(pids []int, opts Options) []ProcessInfo {
	s, err := newScan(opts)
	if err != nil {
		return nil
	}
	defer s.close()
	out := make([]ProcessInfo, 0, len(pids))
	for _, pid := range pids {
		if pid <= 0 {
			continue
		}
		if p, err := s.process(pid); err == nil {
			out = append(out, p)
		}
	}
	return out
}
