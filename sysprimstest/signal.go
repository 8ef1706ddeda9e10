package sysprimstest

import (
	"fmt"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
)

// Signal sends sig to the process pid, which the test need not have
// started (a daemon's pid read from a pidfile, a server's worker). It
// refuses pid 0, negative pids, pid 1, the test process and its own
// group, and never hits a process that took over a reused pid.
func Signal(pid int, sig syscall.Signal) error {
	if err := signal.ValidatePID(pid); err != nil {
		return err
	}
	p, err := proc.Get(pid, proc.Options{})
	if err != nil {
		return err
	}
	return signal.SendIdentity(p.ID(), sig)
}

// TerminateTree tears down pid and every descendant of it, including those
// that carry the same tree marker after moving away: the polite signal and
// SIGCONT first, SIGKILL after the grace period, finishing as soon as all
// are gone. It is for trees the test did not start itself; it works by
// scanning, so its Result is always "best_effort". Survivors and bad pids
// fail the test.
func TerminateTree(t TB, pid int, opts ...Option) *Result {
	t.Helper()
	s, err := newSettings(entryTerminate, opts)
	if err == nil {
		err = signal.ValidatePID(pid)
	}
	if err != nil {
		t.Errorf("sysprims: TerminateTree(%d): %v", pid, err)
		return failedResult(err)
	}
	r := terminateTree(pid, s)
	if r.Err != nil {
		t.Errorf("sysprims: TerminateTree(%d): %v", pid, r.Err)
	} else if len(r.Survivors) > 0 {
		t.Errorf("sysprims: %d process(es) of tree %d survived:%s", len(r.Survivors), pid, processLines(r.Survivors))
	}
	return r
}

func terminateTree(pid int, s settings) *Result {
	start := time.Now()
	members, err := scanTree(pid)
	if err != nil {
		return failedResult(err)
	}
	rep := signal.TerminateAll(identities(members), s.signal, s.grace, func() []proc.Identity {
		found, _ := scanTree(pid)
		return identities(found)
	})
	return &Result{
		ExitCode:    -1,
		Duration:    time.Since(start),
		Reliability: "best_effort",
		Mechanism:   "scan",
		Survivors:   rep.Survivors,
	}
}

// scanTree finds the live members of the tree rooted at pid: its
// descendants by parent links, and the processes that carry its tree
// marker wherever they moved.
func scanTree(pid int) ([]ProcessInfo, error) {
	snap, err := Snapshot()
	if err != nil {
		return nil, err
	}
	var root *ProcessInfo
	for i := range snap {
		if snap[i].PID == pid {
			root = &snap[i]
		}
	}
	if root == nil {
		return nil, fmt.Errorf("sysprims: pid %d: %w", pid, proc.ErrNotFound)
	}
	members := append([]ProcessInfo{*root}, proc.Descendants(snap, pid)...)
	if id := root.Markers[EnvTreeID]; id != "" {
		members = append(members, withMarker(snap, EnvTreeID, id)...)
	}
	return alive(members), nil
}

func identities(ps []ProcessInfo) []proc.Identity {
	ids := make([]proc.Identity, len(ps))
	for i, p := range ps {
		ids[i] = p.ID()
	}
	return ids
}

// removeAll kills every process in ps that still has the same identity.
func removeAll(ps []ProcessInfo) {
	for _, p := range ps {
		_ = signal.SendIdentity(p.ID(), syscall.SIGKILL) // already gone is fine
	}
}
