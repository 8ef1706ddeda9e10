package proc

// Running returns the process id names, with the default fields and the
// extra ones opts.Fields asks for, while it still runs: its pid exists,
// started when id says (so a reused pid is not it), and is not a zombie.
// It is the one liveness test of an identity; [Get] gathers, Running
// adds only the comparison.
func Running(id Identity, opts Options) (ProcessInfo, bool) {
	p, err := Get(id.PID, opts)
	if err != nil || p.ID() != id || p.State.Gone() {
		return ProcessInfo{}, false
	}
	return p, true
}
