package sysprimstest

import (
	"syscall"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/internal/timeout"
)

// Signal sends sig to the process pid alone, as [Process.Signal] does to
// the root of a tree; [TerminateTree] ends pid with its descendants. The
// test need not have started pid (a daemon's pid read from a pidfile, a
// server's worker). The
// test names pid, so any process may be signalled except those the
// ownership rule protects: pid 0, negative pids, pid 1, kernel threads,
// the test process, its own group and its ancestors (go test, a CI
// wrapper), its pipeline partners, sysprims helpers and members of
// containers that are not this binary's (a member of a tree this binary
// started, such as [Process.Pid], is its own). It never hits a process
// that took over a reused pid.
func Signal(pid int, sig syscall.Signal) error {
	if err := signal.ValidatePID(pid); err != nil {
		return err
	}
	p, err := proc.Get(pid, proc.Options{Fields: proc.FieldMarkers})
	if err != nil {
		return err
	}
	if err := platform.NamedGuard().Refuse(p, owner.Named); err != nil {
		return err
	}
	return signal.SendIdentity(p.ID(), sig)
}

// TerminateTree tears down pid, which the test names but need not have
// started, and its descendants by parent links: the tree is stopped
// while it is walked (so nothing forks away unseen), then gets the polite
// signal and SIGCONT, and SIGKILL after the grace period, finishing as
// soon as all are gone. Markers never widen the tree, so a marker
// inherited from a wrapper such as sysprims-leakcheck run matches
// nothing; processes the ownership rule protects (see [Signal]) are left
// alone, and so is what runs below them. A process that left the tree
// before the call (a daemon reparented to init) is not part of it: the
// Result is always [process.BestEffort], mechanism
// [process.MechanismNamedTree]. Bad pids, protected descendants and
// survivors fail the test.
func TerminateTree(t TB, pid int, opts ...Option) *Result {
	t.Helper()
	s, err := newSettings(entryTerminate, opts)
	var o timeout.Outcome
	if err == nil {
		o, err = timeout.TerminateNamed(pid, timeout.Config{Grace: s.grace, Signal: s.signal, Logger: s.logger})
	}
	if err != nil {
		t.Errorf("sysprims: TerminateTree(%d): %v", pid, err)
		return failedResult(err)
	}
	if o.Error != "" {
		t.Errorf("sysprims: TerminateTree(%d): %s", pid, o.Error)
	}
	if n := len(o.Survivors); n > 0 {
		t.Errorf("sysprims: %d process(es) of tree %d survived:%s", n, pid, owner.Lines(o.Survivors, "\t"))
	}
	return newResult(o, nil, nil)
}
