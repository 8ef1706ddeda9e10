package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform/helper"
	"github.com/3leaps/sysprims-go/internal/signal"
	"golang.org/x/sys/unix"
)

// leafSeq numbers the leaves of this process's run directory.
var leafSeq atomic.Uint64

// cgroupContainer holds a tree in its own cgroup v2 leaf: the root starts
// inside it (clone3 CLONE_INTO_CGROUP), so no member can leave it
// unnoticed. Guaranteed.
type cgroupContainer struct {
	spec      Spec
	leaf      string
	cmd       *exec.Cmd
	root      int
	exit      *exitWatch
	waiter    *cmdWait
	waiting   atomic.Bool
	closeOnce sync.Once
	closeErr  error
	acct      account // the root's rusage at Wait, the leaf's at Close

	mu   sync.Mutex
	held map[int]int // pidfds of signalled members, by pid
}

// newCgroupContainer makes the leaf (and, the first time, the run
// directory and its guardian).
func newCgroupContainer(spec Spec) (*cgroupContainer, error) {
	run, err := ensureRunDir()
	if err != nil {
		return nil, err
	}
	leaf := filepath.Join(run, fmt.Sprintf("%d%s", leafSeq.Add(1), leafTag(spec.Name)))
	if err := os.Mkdir(leaf, 0o755); err != nil {
		return nil, fmt.Errorf("sysprims: cgroup leaf: %w", err)
	}
	return &cgroupContainer{spec: spec, leaf: leaf}, nil
}

// leafTag turns a spec name into a safe directory suffix.
func leafTag(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 40 {
			break
		}
		if r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r|0x20 >= 'a' && r|0x20 <= 'z') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "-" + b.String()
}

// Mechanism returns [MechanismCgroup].
func (c *cgroupContainer) Mechanism() Mechanism { return MechanismCgroup }

// Reliability returns [Guaranteed].
func (c *cgroupContainer) Reliability() Reliability { return Guaranteed }

// PID returns the root's pid.
func (c *cgroupContainer) PID() int { return c.root }

// Start starts cmd directly inside the leaf, in a new process group (or
// the session or group cmd.SysProcAttr asks for). A cmd.SysProcAttr that
// names a cgroup itself is refused.
func (c *cgroupContainer) Start(cmd *exec.Cmd) error {
	if c.cmd != nil {
		panic("sysprims: platform: Start called twice on one container")
	}
	fd, err := unix.Open(c.leaf, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sysprims: cgroup leaf: %w", err)
	}
	defer unix.Close(fd)
	attr := sysAttr(cmd)
	if attr.UseCgroupFD {
		return errors.New("sysprims: cmd.SysProcAttr.UseCgroupFD: the cgroup_v2 mechanism starts the root in a cgroup leaf of its own; " +
			"drop UseCgroupFD, or use the subreaper mechanism, which keeps the tree in the cgroup you name")
	}
	// A new process group for the root, unless the caller asked for a
	// session (which is a new group too) or a group of their own.
	attr.UseCgroupFD, attr.CgroupFD = true, fd
	attr.Setpgid = attr.Setpgid || !attr.Setsid
	if len(c.spec.Markers) > 0 {
		cmd.Env = owner.SetEnv(cmd.Environ(), c.spec.Markers)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	c.cmd, c.root = cmd, cmd.Process.Pid
	c.waiter = newCmdWait(cmd, cmd.Process)
	c.exit = watchExit(c.root)
	return nil
}

// Exited returns a channel closed when the root has exited, before Wait
// (which also waits for the output pipes) returns; see [ExitWatcher].
func (c *cgroupContainer) Exited() <-chan struct{} { return c.exit.exited() }

// Wait waits for the root (and the output copying, up to cmd.WaitDelay).
func (c *cgroupContainer) Wait() (ExitStatus, error) {
	c.mustStarted()
	c.waiting.Store(true)
	ps, err := c.waiter.reap()
	c.acct.add(rootUsage(ps))
	return exitOf(ps, err)
}

// Usage is the leaf's account, read as Close removes it: CPU time from
// cpu.stat, memory.peak and pids.peak where those controllers are
// enabled; without memory.peak, the root's ru_maxrss (the root and the
// descendants it waited for, largest member). See [Accountant].
func (c *cgroupContainer) Usage() Usage { return c.acct.get() }

// Members lists the live processes of the leaf (O(tree)).
func (c *cgroupContainer) Members() ([]int, error) {
	ms, err := c.live()
	pids := make([]int, len(ms))
	for i, e := range ms {
		pids[i] = e.pid
	}
	return pids, err
}

func (c *cgroupContainer) live() ([]procEntry, error) {
	c.mustStarted()
	pids, err := cgroupPIDs(c.leaf)
	return liveEntries(pids), err
}

// signalRounds bounds how often Signal looks again for members forked
// while it was signalling.
const signalRounds = 4

// signalBatch bounds the pidfds one step of Signal holds open at once.
const signalBatch = 256

// maxHeld bounds the pidfds kept for [cgroupContainer.SignalHeld].
const maxHeld = 256

// Signal sends sig to every member through pidfds, followed by SIGCONT
// when sig is terminating. A member costs one pidfd_open and the sends:
// the pids of cgroup.procs get pidfds, then cgroup.procs is read again,
// and only the pidfds whose pid it still lists are signalled. A pidfd
// opened before a read that lists its pid names a member, whatever
// happened to that pid before the open, so a pid reused by a process
// outside the tree is never hit. Members forked meanwhile are picked up
// from the later read, for up to signalRounds rounds.
func (c *cgroupContainer) Signal(sig syscall.Signal) error {
	c.mustStarted()
	sigs := []syscall.Signal{sig}
	if signal.IsTerminating(sig) {
		sigs = append(sigs, syscall.SIGCONT)
	}
	pids, err := cgroupPIDs(c.leaf)
	errs := []error{err}
	sent := make(map[int]bool, len(pids))
	for range signalRounds {
		todo := slices.DeleteFunc(pids, func(pid int) bool { return sent[pid] })
		if len(todo) == 0 {
			break
		}
		pids, err = c.signalConfirmed(todo, sigs, sent)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// signalConfirmed signals those of pids that a later read of cgroup.procs
// confirms, in batches, marks them sent, and returns the last read.
func (c *cgroupContainer) signalConfirmed(pids []int, sigs []syscall.Signal, sent map[int]bool) ([]int, error) {
	var now []int
	var errs []error
	for len(pids) > 0 {
		batch := pids[:min(len(pids), signalBatch)]
		pids = pids[len(batch):]
		fds, err := openPidfds(batch)
		errs = append(errs, err)
		var rerr error
		now, rerr = cgroupPIDs(c.leaf)
		if rerr != nil {
			closeAll(fds)
			return nil, errors.Join(append(errs, rerr)...)
		}
		listed := make(map[int]bool, len(now))
		for _, pid := range now {
			listed[pid] = true
		}
		for pid, fd := range fds {
			if listed[pid] {
				sent[pid] = true
				errs = append(errs, sendPidfd(fd, sigs))
				c.hold(pid, fd)
			} else {
				unix.Close(fd)
			}
		}
	}
	return now, errors.Join(errs...)
}

// openPidfds opens a pidfd for each pid that still exists.
func openPidfds(pids []int) (map[int]int, error) {
	fds := make(map[int]int, len(pids))
	var errs []error
	for _, pid := range pids {
		fd, err := unix.PidfdOpen(pid, 0)
		switch {
		case err == nil:
			fds[pid] = fd
		case !errors.Is(err, unix.ESRCH):
			errs = append(errs, fmt.Errorf("sysprims: pidfd of member %d: %w", pid, err))
		}
	}
	return fds, errors.Join(errs...)
}

// sendPidfd sends sigs through a pidfd; a process already gone is no error.
func sendPidfd(fd int, sigs []syscall.Signal) error {
	var errs []error
	for _, sig := range sigs {
		errs = append(errs, ignoreGone(unix.PidfdSendSignal(fd, sig, nil, 0)))
	}
	return errors.Join(errs...)
}

func closeAll(fds map[int]int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// hold keeps fd as the pidfd of pid (up to maxHeld), or closes it.
func (c *cgroupContainer) hold(pid, fd int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.held[pid]; ok {
		unix.Close(old)
	} else if len(c.held) >= maxHeld {
		unix.Close(fd)
		return
	}
	if c.held == nil {
		c.held = make(map[int]int)
	}
	c.held[pid] = fd
}

// SignalHeld sends sig through the pidfd kept when pid was signalled as a
// member, even if it has left the leaf since (see [Holder]).
func (c *cgroupContainer) SignalHeld(pid int, sig syscall.Signal) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fd, ok := c.held[pid]
	if !ok {
		return false, nil
	}
	err := unix.PidfdSendSignal(fd, sig, nil, 0)
	if errors.Is(err, unix.ESRCH) {
		return false, nil
	}
	return err == nil, err
}

// Gone lists the pids of kept pidfds whose process has exited (see
// [Holder]).
func (c *cgroupContainer) Gone() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for pid, fd := range c.held {
		if pidfdReady(fd) {
			out = append(out, pid)
		}
	}
	return out
}

// release closes the kept pidfds.
func (c *cgroupContainer) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, fd := range c.held {
		unix.Close(fd)
	}
	c.held = nil
}

// Kill writes cgroup.kill: every member gets SIGKILL, and no fork can
// slip out meanwhile.
func (c *cgroupContainer) Kill() error {
	c.mustStarted()
	return killCgroup(c.leaf)
}

// WaitEmpty waits for cgroup.events to say "populated 0".
func (c *cgroupContainer) WaitEmpty(ctx context.Context) error {
	c.mustStarted()
	return waitUnpopulated(ctx, c.leaf)
}

// Close kills what is left, waits (bounded) for the leaf to empty, reaps
// the root if nobody called Wait, and removes the leaf.
func (c *cgroupContainer) Close() error {
	c.closeOnce.Do(func() {
		if c.cmd == nil {
			c.closeErr = removeCgroup(c.leaf)
			return
		}
		err := c.empty()
		if !c.waiting.Load() {
			_, _ = c.Wait()
		}
		c.waiter.finish()
		c.release()
		c.exit.close()
		c.acct.add(cgroupUsage(c.leaf))
		if unix.Rmdir(c.leaf) != nil { // a leaf with child cgroups (made by a member)
			err = errors.Join(err, removeCgroup(c.leaf))
		}
		c.closeErr = err
	})
	return c.closeErr
}

// empty kills what is left in the leaf, if anything, and waits (bounded)
// for it to go. An empty leaf costs one read of cgroup.events.
func (c *cgroupContainer) empty() error {
	f, err := openEvents(c.leaf)
	if f == nil || err != nil {
		return err
	}
	defer f.Close()
	if pop, err := helper.Populated(f); err == nil && !pop {
		return nil
	}
	err = c.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), closeWait)
	defer cancel()
	return errors.Join(err, waitEvents(ctx, f, c.leaf))
}

func (c *cgroupContainer) mustStarted() {
	if c.cmd == nil {
		panic("sysprims: platform: container used before Start")
	}
}
