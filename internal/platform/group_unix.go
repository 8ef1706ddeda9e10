//go:build unix

package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
)

// killRounds bounds how many scan-and-kill rounds Kill makes while new
// members keep appearing (a fork storm).
const killRounds = 200

// groupContainer starts the root in a new session and finds members by
// scanning: group, session, parent links, markers, and members seen
// before. Best effort.
type groupContainer struct {
	spec      Spec
	cmd       *exec.Cmd
	root      int
	rootStart int64
	exit      *exitWatch
	waiter    *cmdWait
	reaped    atomic.Bool
	waiting   atomic.Bool
	closeOnce sync.Once
	closeErr  error
	acct      account // the root's rusage, at Wait

	mu   sync.Mutex
	seen map[int]int64
}

// hasGroup says every unix has the process group container.
const hasGroup = true

// groupOnly makes the process group container where it is the only
// mechanism (a unix other than Linux).
func groupOnly(spec Spec) (Container, error) { return newGroupContainer(spec), nil }

func newGroupContainer(spec Spec) *groupContainer {
	return &groupContainer{spec: spec, seen: make(map[int]int64)}
}

// Mechanism returns [MechanismProcessGroup].
func (c *groupContainer) Mechanism() Mechanism { return MechanismProcessGroup }

// Reliability returns [BestEffort].
func (c *groupContainer) Reliability() Reliability { return BestEffort }

// PID returns the root's pid.
func (c *groupContainer) PID() int { return c.root }

// Start starts cmd as a session leader, with the tree's markers. A
// cmd.SysProcAttr that asks for a process group of the root's own is
// honoured by the session (also a new group); one that asks to join
// another group is refused.
func (c *groupContainer) Start(cmd *exec.Cmd) error {
	if c.cmd != nil {
		panic("sysprims: platform: Start called twice on one container")
	}
	if err := sessionAttr(sysAttr(cmd)); err != nil {
		return err
	}
	if len(c.spec.Markers) > 0 {
		cmd.Env = owner.SetEnv(cmd.Environ(), c.spec.Markers)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	c.cmd, c.root = cmd, cmd.Process.Pid
	c.waiter = newCmdWait(cmd, cmd.Process)
	c.rootStart, _ = startKey(c.root)
	c.exit = watchExit(c.root)
	return nil
}

// Exited returns a channel closed when the root has exited, before Wait
// (which also waits for the output pipes) returns; nil where the kernel
// has no pidfds. See [ExitWatcher].
func (c *groupContainer) Exited() <-chan struct{} { return c.exit.exited() }

// Wait waits for the root (and the output copying, up to cmd.WaitDelay).
func (c *groupContainer) Wait() (ExitStatus, error) {
	c.mustStarted()
	c.waiting.Store(true)
	ps, err := c.waiter.reap()
	c.reaped.Store(true)
	c.acct.add(rootUsage(ps))
	return exitOf(ps, err)
}

// Usage is the root's rusage once it was reaped: the root and the
// descendants it waited for (an orphan it left is missed), the largest
// member's peak RSS; peak processes unmeasured. See [Accountant].
func (c *groupContainer) Usage() Usage { return c.acct.get() }

// Members scans for the live members of the tree.
func (c *groupContainer) Members() ([]int, error) {
	ms, err := c.scan()
	if err != nil {
		return nil, err
	}
	pids := make([]int, len(ms))
	for i, e := range ms {
		pids[i] = e.pid
	}
	return pids, nil
}

// scan returns the live members and remembers them.
func (c *groupContainer) scan() ([]procEntry, error) {
	c.mustStarted()
	all, err := scanEntries()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ms := selectMembers(all, treeRule{root: c.root, rootStart: c.rootStart, seen: c.seen, exclude: []int{os.Getpid()}})
	for _, e := range ms {
		c.seen[e.pid] = e.start
	}
	return ms, nil
}

// Signal scans for members, sends sig to the group (while the root is
// unreaped, so its pid cannot have been reused) and to every member found,
// then SIGCONT when sig is terminating.
func (c *groupContainer) Signal(sig syscall.Signal) error {
	err := c.signalOnce(sig)
	if signal.IsTerminating(sig) {
		err = errors.Join(err, c.signalOnce(syscall.SIGCONT))
	}
	return err
}

func (c *groupContainer) signalOnce(sig syscall.Signal) error {
	// Scan first: once the group signal kills a parent, its escaped
	// children are reparented and only earlier sightings or markers find
	// them.
	ms, err := c.scan()
	errs := []error{err}
	if !c.reaped.Load() {
		errs = append(errs, ignoreGone(signal.SendGroup(c.root, sig)))
	}
	for _, e := range ms {
		errs = append(errs, sendChecked(e.pid, e.start, sig))
	}
	return errors.Join(errs...)
}

// Kill freezes the tree, then kills it: it stops the group and every
// member it finds, rescanning until a scan finds no member it has not
// stopped, and only then kills them all. Nothing is killed while the
// closure is still growing, so a child that left the group just before
// the stop keeps its parent link and is found by the next scan, instead of
// being orphaned by its parent's death.
func (c *groupContainer) Kill() error {
	_, err := c.kill()
	return err
}

// kill is Kill, also saying how many processes it killed.
func (c *groupContainer) kill() (int, error) {
	stopped := make(map[int]int64)
	defer func() {
		if !c.reaped.Load() {
			_ = signal.SendGroup(c.root, syscall.SIGKILL)
		}
		for pid, start := range stopped {
			_ = sendChecked(pid, start, syscall.SIGKILL)
		}
	}()
	for range killRounds {
		if !c.reaped.Load() {
			_ = signal.SendGroup(c.root, syscall.SIGSTOP)
		}
		ms, err := c.scan()
		if err != nil {
			return len(stopped), err
		}
		fresh := unseen(ms, stopped)
		if len(fresh) == 0 {
			return len(stopped), nil
		}
		for _, e := range fresh {
			_ = sendChecked(e.pid, e.start, syscall.SIGSTOP)
			stopped[e.pid] = e.start
		}
	}
	return len(stopped), fmt.Errorf("sysprims: process group tree of pid %d still spawning after %d stop rounds", c.root, killRounds)
}

// unseen returns the entries not yet in known.
func unseen(ms []procEntry, known map[int]int64) []procEntry {
	var out []procEntry
	for _, e := range ms {
		if s, ok := known[e.pid]; !ok || s != e.start {
			out = append(out, e)
		}
	}
	return out
}

// WaitEmpty polls scans until no member is left or ctx is done.
func (c *groupContainer) WaitEmpty(ctx context.Context) error {
	return pollEmpty(ctx, c.Members)
}

// Close kills what is left, waits (bounded) for it to go, and reaps the
// root when nobody called Wait.
func (c *groupContainer) Close() error {
	if c.cmd == nil {
		return nil
	}
	c.closeOnce.Do(func() {
		n, err := c.kill()
		if n > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), closeWait)
			defer cancel()
			err = errors.Join(err, c.WaitEmpty(ctx))
		}
		c.closeErr = err
		if !c.waiting.Load() {
			_, _ = c.Wait()
		}
		c.waiter.finish()
		c.exit.close()
	})
	return c.closeErr
}

func (c *groupContainer) mustStarted() {
	if c.cmd == nil {
		panic("sysprims: platform: container used before Start")
	}
}

// closeWait bounds how long Close waits for killed members to go.
const closeWait = 5 * time.Second

// pollEmpty polls list until it returns nothing or ctx is done, backing
// off from 1 ms to 10 ms.
func pollEmpty(ctx context.Context, list func() ([]int, error)) error {
	d := time.Millisecond
	for {
		ms, err := list()
		if err == nil && len(ms) == 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("sysprims: tree not empty (%d left): %w", len(ms), ctx.Err())
		case <-t.C:
		}
		d = min(2*d, 10*time.Millisecond)
	}
}

// sessionAttr makes attr start a new session; a request for a new
// process group, which a session leader has already, is dropped
// (setpgid after setsid fails with EPERM).
func sessionAttr(attr *syscall.SysProcAttr) error {
	if attr.Setpgid && attr.Pgid != 0 {
		return fmt.Errorf("sysprims: cmd.SysProcAttr.Pgid %d: the process_group mechanism starts the root in a session and group of its own; "+
			"drop Setpgid and Pgid, or use a mechanism that holds the tree otherwise (cgroup_v2, subreaper)", attr.Pgid)
	}
	attr.Setsid, attr.Setpgid = true, false
	return nil
}

// sysAttr gives cmd a SysProcAttr of its own to change, a copy of the
// caller's (which may be shared by other commands) or a new one.
func sysAttr(cmd *exec.Cmd) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if cmd.SysProcAttr != nil {
		*attr = *cmd.SysProcAttr
	}
	cmd.SysProcAttr = attr
	return attr
}

// exitOf turns a finished command into an ExitStatus; a non-zero exit is
// not an error.
func exitOf(ps *os.ProcessState, err error) (ExitStatus, error) {
	if ps == nil {
		return ExitStatus{Code: -1}, err
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = nil
	}
	return statusOf(ps.Sys().(syscall.WaitStatus)), err
}

func statusOf(ws syscall.WaitStatus) ExitStatus {
	if ws.Signaled() {
		return ExitStatus{Code: -1, Signal: ws.Signal()}
	}
	return ExitStatus{Code: ws.ExitStatus()}
}

// ignoreGone drops "no such process" errors: a member that is already gone
// needs no signal.
func ignoreGone(err error) error {
	if err == nil || errors.Is(err, syscall.ESRCH) || errors.Is(err, proc.ErrNotFound) {
		return nil
	}
	return err
}
