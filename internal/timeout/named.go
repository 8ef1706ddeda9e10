package timeout

import (
	"errors"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/signal"
)

// newNamed is platform.NewNamed; tests replace it.
var newNamed = func(pid int) (namedContainer, error) { return platform.NewNamed(pid) }

// namedContainer is what [TerminateNamed] needs of a named tree.
type namedContainer interface {
	platform.Container
	Refused() error
}

// TerminateNamed tears down a tree the caller did not start but named by
// its root's pid: the root and its descendants by parent links, found
// while the tree is stopped and each checked by the ownership guard (see
// [platform.NewNamed]); markers never widen it. The teardown is the
// engine's, as for a tree it started: cfg.Signal (and SIGCONT) to every
// member, SIGKILL by identity to what is left after cfg.Grace, ending as
// soon as the tree is empty. Only cfg.Signal and cfg.Grace apply. The
// error is non-nil, and nothing was signalled, when the root is refused
// or gone; descendants the guard left alone are named in
// [Outcome.Error]. The outcome is best_effort, mechanism named_tree.
func TerminateNamed(pid int, cfg Config) (Outcome, error) {
	if err := validate(cfg); err != nil {
		return Outcome{}, err
	}
	begin := time.Now()
	c, err := newNamed(pid)
	if err != nil {
		return Outcome{}, err
	}
	t := newTree(nil, cfg, c, "", begin)
	o := t.baseOutcome(false)
	o.SignalSent = signal.Name(t.signal())
	escalated, terr := t.teardown()
	o.Escalated = escalated
	pids, merr := c.Members()
	o.Survivors, o.Zombies = describe(pids)
	o.ExitCode = -1
	o.DurationMs = time.Since(begin).Milliseconds()
	if err := errors.Join(terr, merr, c.Close(), c.Refused()); err != nil {
		o.Error = err.Error()
	}
	return o, nil
}
