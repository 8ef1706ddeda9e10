//go:build linux

package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

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
	rel       string // leaf as /proc/PID/cgroup names it
	cmd       *exec.Cmd
	root      int
	waiting   atomic.Bool
	closeOnce sync.Once
	closeErr  error
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
	rel := "/" + strings.TrimPrefix(strings.TrimPrefix(leaf, Probe().CgroupMount), "/")
	return &cgroupContainer{spec: spec, leaf: leaf, rel: rel}, nil
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

// Start starts cmd directly inside the leaf, in a new process group.
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
	attr.UseCgroupFD, attr.CgroupFD, attr.Setpgid = true, fd, true
	if len(c.spec.Markers) > 0 {
		cmd.Env = withMarkers(cmd.Environ(), c.spec.Markers)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	c.cmd, c.root = cmd, cmd.Process.Pid
	return nil
}

// Wait waits for the root (and the output copying, up to cmd.WaitDelay).
func (c *cgroupContainer) Wait() (ExitStatus, error) {
	c.mustStarted()
	c.waiting.Store(true)
	err := c.cmd.Wait()
	return exitOf(c.cmd.ProcessState, err)
}

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
	var out []procEntry
	for _, pid := range pids {
		if e, err := readEntry(pid); err == nil && !e.gone {
			out = append(out, e)
		}
	}
	return out, err
}

// Signal sends sig to every member through pidfds, followed by SIGCONT
// when sig is terminating. One pass over cgroup.procs does both, so a
// large tree gets the signal as fast as the kernel takes it.
func (c *cgroupContainer) Signal(sig syscall.Signal) error {
	c.mustStarted()
	sigs := []syscall.Signal{sig}
	if signal.IsTerminating(sig) {
		sigs = append(sigs, syscall.SIGCONT)
	}
	pids, err := cgroupPIDs(c.leaf)
	errs := []error{err}
	for _, pid := range pids {
		errs = append(errs, c.signalMember(pid, sigs))
	}
	return errors.Join(errs...)
}

// signalMember sends sigs to pid once a pidfd for it is open and its
// process is seen in the leaf: a pid that cgroup.procs listed but that has
// since been reused by a process outside the tree is left alone.
func (c *cgroupContainer) signalMember(pid int, sigs []syscall.Signal) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	if err == nil {
		defer unix.Close(fd)
	}
	if ownCgroup(procRoot+"/"+strconv.Itoa(pid)+"/cgroup") != c.rel {
		return nil
	}
	var errs []error
	for _, sig := range sigs {
		if err == nil {
			errs = append(errs, ignoreGone(unix.PidfdSendSignal(fd, sig, nil, 0)))
		} else {
			errs = append(errs, ignoreGone(unix.Kill(pid, sig)))
		}
	}
	return errors.Join(errs...)
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
		err := c.Kill()
		ctx, cancel := context.WithTimeout(context.Background(), closeWait)
		defer cancel()
		err = errors.Join(err, c.WaitEmpty(ctx))
		if !c.waiting.Load() {
			_, _ = c.Wait()
		}
		c.closeErr = errors.Join(err, removeCgroup(c.leaf))
	})
	return c.closeErr
}

func (c *cgroupContainer) mustStarted() {
	if c.cmd == nil {
		panic("sysprims: platform: container used before Start")
	}
}
