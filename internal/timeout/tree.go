package timeout

import (
	"fmt"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
)

// Tree is a running process tree started by [Start]. Its methods are safe
// for concurrent use; [Tree.Wait] and [Tree.Stop] tear the tree down once
// and return the same [Outcome] on every later call.
type Tree struct {
	cmd    *exec.Cmd
	cfg    Config
	c      platform.Container
	treeID string
	begin  time.Time

	done    chan struct{} // closed when the root's exit status is known
	exit    platform.ExitStatus
	waitErr error
	// exited, when not nil, is closed as soon as the root has exited,
	// before done when a leftover holds the output pipes open.
	exited <-chan struct{}
	// rootID is the root's identity, taken at spawn (StartTimeUnixMs is 0
	// when it could not be read).
	rootID proc.Identity

	stopping chan struct{} // closed by Stop, wakes a blocked Wait
	stopOnce sync.Once
	slowOnce sync.Once
	endOnce  sync.Once
	ended    chan struct{} // closed when the outcome is ready
	outcome  Outcome

	mu     sync.RWMutex // held for writing while the container closes
	closed bool

	idMu sync.Mutex
	seen map[int]int64           // members described, by pid: start time
	sent map[syscall.Signal]bool // signals sent while the root ran

	canceled *atomic.Bool // os/exec called cmd.Cancel

	// signalled and emptied time the last teardown (for benchmarks).
	signalled, emptied time.Time
}

func newTree(cmd *exec.Cmd, cfg Config, c platform.Container, id string, begin time.Time) *Tree {
	t := &Tree{
		cmd: cmd, cfg: cfg, c: c, treeID: id, begin: begin,
		done: make(chan struct{}), stopping: make(chan struct{}), ended: make(chan struct{}),
		seen: make(map[int]int64), sent: make(map[syscall.Signal]bool),
	}
	if w, ok := c.(platform.ExitWatcher); ok {
		t.exited = w.Exited()
	}
	t.rootID = spawnIdentity(c.PID())
	return t
}

// waitRoot waits for the root process and closes done.
func (t *Tree) waitRoot() {
	t.exit, t.waitErr = t.c.Wait()
	close(t.done)
}

// PID returns the pid of the root process.
func (t *Tree) PID() int { return t.c.PID() }

// TreeID returns the value of the SYSPRIMS_TREE_ID marker every member
// of the tree inherits.
func (t *Tree) TreeID() string { return t.treeID }

// Mechanism returns the container mechanism in effect.
func (t *Tree) Mechanism() platform.Mechanism { return t.c.Mechanism() }

// Reliability returns what the teardown of this tree can promise.
func (t *Tree) Reliability() platform.Reliability { return t.c.Reliability() }

// Done returns a channel closed when the root process has exited.
func (t *Tree) Done() <-chan struct{} { return t.done }

// rootExited reports whether the root has exited, even if its exit
// status is not known yet (see [platform.ExitWatcher]).
func (t *Tree) rootExited() bool {
	return isClosed(t.done) || (t.exited != nil && isClosed(t.exited))
}

// Exit returns how the root process ended; ok is false while it runs.
func (t *Tree) Exit() (st platform.ExitStatus, ok bool) {
	if !isClosed(t.done) {
		return platform.ExitStatus{}, false
	}
	return t.exit, true
}

// Wait waits for the root to exit or for timeout to pass (timeout <= 0
// means cfg.Timeout, and no deadline when that is zero too), then tears
// the whole tree down: the configured signal (and SIGCONT) to every
// member, SIGKILL after the grace period unless the tree emptied first,
// and an independent check for survivors. A wait that lasts longer than
// cfg.SlowAfter calls cfg.OnSlow once, on the waiting goroutine.
func (t *Tree) Wait(timeout time.Duration) Outcome {
	if timeout <= 0 {
		timeout = t.cfg.Timeout
	}
	return t.end(t.await(timeout))
}

// Stop tears the tree down now, gracefully (signal, grace, SIGKILL). A
// root still running when Stop is called is reported as completed with
// the signal that ended it.
func (t *Tree) Stop() Outcome {
	t.stopOnce.Do(func() { close(t.stopping) })
	return t.end(false)
}

// Signal sends sig to every live member of the tree (and SIGCONT after a
// terminating signal). It returns [ErrDone] once the tree is torn down,
// and an error wrapping [ErrInvalidSignal] for a number that names no
// signal of this platform (nothing is sent).
func (t *Tree) Signal(sig syscall.Signal) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed {
		return ErrDone
	}
	if signal.Name(sig) == "" {
		return fmt.Errorf("%w: this platform has no signal %d", ErrInvalidSignal, int(sig))
	}
	t.sending(sig)
	err := t.c.Signal(sig)
	t.emitSignal(sig, "tree", err)
	return err
}

// Members lists the live members of the tree with their command lines.
// For a best_effort mechanism it adds the processes that carry this
// tree's marker but escaped the container.
func (t *Tree) Members() ([]proc.ProcessInfo, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed {
		return nil, nil
	}
	live, _, err := t.members()
	return live, err
}

// await blocks until the root exits (even while a leftover still holds
// its output pipes, when the container is a [platform.ExitWatcher]), Stop
// is called, or timeout passes; it reports whether the deadline was hit
// with the root still running.
func (t *Tree) await(timeout time.Duration) (timedOut bool) {
	deadline, stopDeadline := timer(timeout)
	defer stopDeadline()
	slow, stopSlow := t.slowTimer()
	defer stopSlow()
	for {
		select {
		case <-t.done:
			return false
		case <-t.exited:
			return false
		case <-t.stopping:
			return false
		case <-t.ended:
			return false
		case <-slow:
			slow = nil
			t.reportSlow()
		case <-deadline:
			return !t.rootExited()
		}
	}
}

// slowTimer returns a channel that fires after cfg.SlowAfter, or nil.
func (t *Tree) slowTimer() (<-chan time.Time, func()) {
	if t.cfg.SlowAfter <= 0 || t.cfg.OnSlow == nil {
		return nil, func() {}
	}
	return timer(t.cfg.SlowAfter)
}

// reportSlow calls cfg.OnSlow once with the live tree.
func (t *Tree) reportSlow() {
	t.slowOnce.Do(func() {
		live, _ := t.Members()
		t.cfg.OnSlow(live)
	})
}

// timer returns a channel firing after d (nil when d <= 0) and its stop.
func timer(d time.Duration) (<-chan time.Time, func()) {
	if d <= 0 {
		return nil, func() {}
	}
	tm := time.NewTimer(d)
	return tm.C, func() { tm.Stop() }
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
