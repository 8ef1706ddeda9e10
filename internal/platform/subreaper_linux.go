package platform

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform/helper"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"golang.org/x/sys/unix"
)

// shimContainer runs the root under a shim (the helper program, see
// package helper) that is a child subreaper: every descendant, however it
// escaped, stays below the shim until the shim kills it. Guaranteed while
// the shim lives: a member can kill it (it is the root's parent), and the
// container is then lost ([Breakable]).
type shimContainer struct {
	spec Spec
	cmd  *exec.Cmd
	ctl  *os.File
	shim int
	// shimProc is the shim's process, as os/exec started it: the handle
	// (a pidfd) keepAwake signals it through.
	shimProc *os.Process
	root     int

	wmu      sync.Mutex
	exited   chan struct{} // closed when the root's exit is known
	exit     ExitStatus
	leftover int         // children the shim still held when the root exited
	lost     string      // set, before empty is closed, when the shim died before the tree emptied
	silent   atomic.Bool // the shim did not answer in time, and was killed
	rootExit *exitWatch  // the root's exit, for a root that outlives the shim
	closing  chan struct{}
	empty    chan struct{}
	acks     chan struct{} // one per "signalled" line of the shim
	done     chan struct{} // closed when the shim was reaped
	acct     account       // the shim's "usage" line
	closeMu  sync.Once
	closeErr error
	// waiter reaps the shim and finishes cmd.Wait at Close; handed is
	// closed once cmd.Process names the root (or the start failed).
	waiter *cmdWait
	handed chan struct{}
}

func newShimContainer(spec Spec) *shimContainer {
	return &shimContainer{spec: spec, exited: make(chan struct{}), closing: make(chan struct{}), empty: make(chan struct{}), acks: make(chan struct{}, 1), done: make(chan struct{}), handed: make(chan struct{})}
}

// Mechanism returns [MechanismSubreaper].
func (c *shimContainer) Mechanism() Mechanism { return MechanismSubreaper }

// Reliability returns [Guaranteed], or [BestEffort] once the shim died
// before the tree was empty ([shimContainer.Lost]).
func (c *shimContainer) Reliability() Reliability {
	if c.Lost() != "" {
		return BestEffort
	}
	return Guaranteed
}

// Lost says that the shim died before the tree was empty (a member
// killed it), once the control socket told: the shim closed it without
// reporting the tree empty.
func (c *shimContainer) Lost() string {
	if c.cmd == nil {
		return ""
	}
	select {
	case <-c.empty:
		return c.lost
	default:
		return ""
	}
}

// PID returns the root's pid (not the shim's).
func (c *shimContainer) PID() int { return c.root }

// Start starts the shim (the helper, see package helper) with cmd's
// stdio, files and directory; the shim starts the real command in a new
// session with cmd's environment, which it gets over the control socket
// (its own environment is its marker only). cmd.Path, Args, Env and
// ExtraFiles are rewritten for the shim while it starts, then name the
// root's command again (Env with the markers). Once started, cmd.Process is the
// root, as with os/exec (the caller's Cancel, the context's kill and
// WaitDelay's reach it); cmd.SysProcAttr applies to the shim, whose
// session and group the root leaves.
func (c *shimContainer) Start(cmd *exec.Cmd) error {
	if c.cmd != nil {
		panic("sysprims: platform: Start called twice on one container")
	}
	if cmd.Err != nil {
		return cmd.Err
	}
	if err := shimAttr(cmd.SysProcAttr); err != nil {
		return err
	}
	exe, err := helperPath()
	if err != nil {
		return fmt.Errorf("sysprims: subreaper shim: %w", err)
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sysprims: subreaper shim: %w", err)
	}
	c.ctl = os.NewFile(uintptr(pair[0]), "sysprims-ctl")
	theirs := os.NewFile(uintptr(pair[1]), "sysprims-ctl")
	path, args, extra, rootEnv := cmd.Path, cmd.Args, cmd.ExtraFiles, owner.SetEnv(cmd.Environ(), c.spec.Markers)
	env := strings.Join(rootEnv, "\x00")
	cmd.Env = []string{owner.EnvShim + "=" + strconv.Itoa(os.Getpid()), helperGOMAXPROCS}
	cmd.Args = append([]string{exe, helper.ModeShim, owner.EnvShim, strconv.Itoa(len(cmd.ExtraFiles)), path}, cmd.Args...)
	cmd.Path = exe
	cmd.ExtraFiles = append([]*os.File{theirs}, cmd.ExtraFiles...)
	c.holdCancel(cmd)
	err = cmd.Start()
	theirs.Close()
	cmd.Path, cmd.Args, cmd.Env, cmd.ExtraFiles = path, args, rootEnv, extra
	if err != nil {
		c.ctl.Close()
		close(c.handed)
		if cmd.SysProcAttr != nil && cmd.SysProcAttr.Credential != nil && errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("sysprims: subreaper shim: %w (cmd.SysProcAttr.Credential: the shim runs as that user too, and its program %s, in this user's cache, is not executable by it; use a mechanism that starts the root directly (cgroup_v2, process_group))", err, exe)
		}
		return fmt.Errorf("sysprims: subreaper shim: %w", err)
	}
	c.cmd, c.shim, c.shimProc = cmd, cmd.Process.Pid, cmd.Process
	noteHelper(c.shim)
	fmt.Fprintf(c.ctl, "env %d\n%s", len(env), env) // an error shows in the handshake
	return c.handshake(path)
}

// handshake reads the root's pid (or the start error) from the shim, then
// hands the control socket to a reader goroutine. A shim that dies first
// gives an error wrapping [ErrLost]: the root may have started (and
// killed it) before the shim could name it, and runs on unnamed.
func (c *shimContainer) handshake(path string) error {
	r := bufio.NewReader(c.ctl)
	awake := c.keepAwake(shimAnswer)
	line, err := r.ReadString('\n')
	awake()
	var pid, code int
	if _, perr := fmt.Sscanf(line, "pid %d", &pid); perr == nil {
		c.root = pid
		c.handOver()
		go c.read(r)
		return nil
	}
	close(c.handed)
	c.ctl.Close()
	c.cmd.Wait()
	c.cmd = nil // not started: Close has nothing to do
	close(c.done)
	close(c.empty)
	if _, perr := fmt.Sscanf(line, "error %d", &code); perr == nil {
		return &fs.PathError{Op: "fork/exec", Path: path, Err: syscall.Errno(code)}
	}
	return fmt.Errorf("%w: the subreaper shim %d died before naming the root of %s (%v); the command may have started and killed it", ErrLost, c.shim, path, err)
}

// read dispatches the shim's reports until the control socket closes,
// then finishes with [shimContainer.gone].
func (c *shimContainer) read(r *bufio.Reader) {
	var st readState
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			st.closedHere = errors.Is(err, os.ErrClosed)
			break
		}
		c.dispatch(line, &st)
	}
	c.gone(st)
}

// readState is what the reader learnt from the shim.
type readState struct {
	reported   bool // the root's exit
	emptied    bool // the tree is empty: the shim is done
	closedHere bool // Close closed the socket (the shim did not answer in time)
}

// dispatch handles one line of the shim.
func (c *shimContainer) dispatch(line string, st *readState) {
	var code, sig, left int
	u, usage := parseShimUsage(line)
	switch {
	case line == "empty\n":
		st.emptied = true
	case line == "signalled\n":
		select {
		case c.acks <- struct{}{}:
		default:
		}
	case usage:
		c.acct.add(u)
	default:
		if _, err := fmt.Sscanf(line, "exit %d %d %d", &code, &sig, &left); err == nil {
			c.exit, c.leftover, st.reported = ExitStatus{Code: code, Signal: syscall.Signal(sig)}, left, true
			close(c.exited)
		}
	}
}

// gone finishes once the shim closed the socket, and reaps it. A shim
// that closed it without reporting the tree empty died (a member killed
// it): the container is lost, and when the root outlived the shim its
// exit is the root's own, watched through the pidfd taken at spawn (its
// status is lost with the shim).
func (c *shimContainer) gone(st readState) {
	switch {
	case c.silent.Load():
		c.lost = fmt.Sprintf("the subreaper shim %d did not answer for %v (stopped or traced by a member?) and was killed before the tree of root %d was empty", c.shim, shimAnswer, c.root)
	case !st.emptied && !st.closedHere:
		c.lost = fmt.Sprintf("the subreaper shim %d died before the tree of root %d was empty", c.shim, c.root)
	}
	close(c.empty)
	if !st.reported {
		c.awaitRoot()
		c.exit = ExitStatus{Code: -1}
		close(c.exited)
	}
	_, _ = c.waiter.reap()
	close(c.done)
}

// awaitRoot waits for the root that outlived the shim to exit, or for
// Close; at once where the kernel has no pidfds.
func (c *shimContainer) awaitRoot() {
	if c.rootExit == nil {
		return
	}
	select {
	case <-c.rootExit.exited():
	case <-c.closing:
	}
}

// holdCancel makes a Cancel the caller set (exec.CommandContext sets
// one that kills cmd.Process) wait until cmd.Process names the root.
func (c *shimContainer) holdCancel(cmd *exec.Cmd) {
	if cmd.Cancel == nil {
		return
	}
	cancel := cmd.Cancel
	cmd.Cancel = func() error {
		<-c.handed
		return cancel()
	}
}

// handOver makes cmd.Process the root and keeps the shim's process for
// the reaping. The root was forked just now: its pid is not reused
// before the shim's report arrives, short of the pid space wrapping
// meanwhile, so the pidfd opened here is the root's.
func (c *shimContainer) handOver() {
	shim := c.cmd.Process
	if root, err := os.FindProcess(c.root); err == nil {
		c.cmd.Process = root
	}
	c.waiter = newCmdWait(c.cmd, shim)
	c.rootExit = watchExit(c.root)
	close(c.handed)
}

// Wait returns the root's exit once the shim reports it. When the shim
// held no other process then, it also waits for the shim to finish (and
// so for output copying); otherwise output is complete after Close. A
// root that outlived the shim is waited for until it exits; its status
// is unknown (Code -1, no signal).
func (c *shimContainer) Wait() (ExitStatus, error) {
	c.mustStarted()
	<-c.exited
	if c.leftover == 0 && c.Lost() == "" {
		<-c.done
	}
	return c.exit, nil
}

// Usage is the shim's getrusage(RUSAGE_CHILDREN), which it reports once
// no descendant is left: every member it or a member reaped, and the
// largest member's peak RSS; peak processes unmeasured. Nothing when the
// shim died first. See [Accountant].
func (c *shimContainer) Usage() Usage { return c.acct.get() }

// Members walks the shim's subtree (O(tree)) and keeps live processes.
func (c *shimContainer) Members() ([]int, error) {
	ms := c.live()
	pids := make([]int, len(ms))
	for i, e := range ms {
		pids[i] = e.pid
	}
	return pids, nil
}

// live returns the live descendants of the shim with their start keys.
// When it finds none, it waits (bounded) for the shim's last word, so
// that [shimContainer.Lost] is final: a shim that holds nothing reports
// the tree empty and exits at once, and a dead one holds nothing.
func (c *shimContainer) live() []procEntry {
	c.mustStarted()
	select {
	case <-c.empty:
		return nil
	default:
	}
	tree, err := proc.TreePIDs(c.shim)
	if err != nil || len(tree) < 2 {
		ctx, cancel := context.WithTimeout(context.Background(), closeWait)
		defer cancel()
		_ = c.WaitEmpty(ctx)
		return nil
	}
	return liveEntries(tree[1:])
}

// Signal has the shim send sig, and SIGCONT after it when sig is
// terminating, to its whole subtree: the root's session group in one
// call and every member outside it through a pidfd. The shim is every
// orphan's subreaper, so it reaches escapees without a scan, and it does
// the per-member work in a small binary rather than in the caller (a
// -race test binary is many times slower at it). Signal returns once
// the shim has sent everything.
func (c *shimContainer) Signal(sig syscall.Signal) error {
	c.mustStarted()
	cmd := fmt.Sprintf("signal %d\n", sig)
	if signal.IsTerminating(sig) {
		cmd = fmt.Sprintf("signal %d %d\n", sig, syscall.SIGCONT)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	select {
	case <-c.empty:
		return nil
	default:
	}
	if _, err := c.ctl.Write([]byte(cmd)); err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return nil // the shim is gone, and its tree with it
		}
		return fmt.Errorf("sysprims: subreaper shim: %w", err)
	}
	defer c.keepAwake(shimAnswer)()
	select {
	case <-c.acks:
	case <-c.empty:
	}
	return nil
}

// Kill asks the shim to stop and kill every descendant until none is
// left; [shimContainer.WaitEmpty] waits for that.
func (c *shimContainer) Kill() error {
	c.mustStarted()
	select {
	case <-c.empty:
		return nil
	default:
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.ctl.Write([]byte("kill\n")); err != nil && !errors.Is(err, syscall.EPIPE) {
		return fmt.Errorf("sysprims: subreaper shim: %w", err)
	}
	return nil
}

// WaitEmpty returns when the shim reported that no descendant is left.
func (c *shimContainer) WaitEmpty(ctx context.Context) error {
	c.mustStarted()
	defer c.keepAwake(0)()
	select {
	case <-c.empty:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sysprims: subreaper tree of pid %d not empty: %w", c.root, ctx.Err())
	}
}

// Close kills what is left, waits (bounded) for the shim to finish and
// reaps it.
func (c *shimContainer) Close() error {
	if c.cmd == nil {
		return nil
	}
	c.closeMu.Do(func() {
		close(c.closing)
		err := c.Kill()
		ctx, cancel := context.WithTimeout(context.Background(), closeWait)
		defer cancel()
		c.closeErr = errors.Join(err, c.WaitEmpty(ctx))
		c.ctl.Close()
		select {
		case <-c.done:
			c.waiter.finish()
		case <-time.After(closeWait):
			// A shim a member holds (ptrace) neither kills its tree
			// nor dies with this process: kill it, so that it holds
			// nothing for ever.
			c.killSilent()
			c.closeErr = errors.Join(c.closeErr, fmt.Errorf("sysprims: subreaper shim %d did not exit, and was killed", c.shim))
		}
		c.rootExit.close()
	})
	return c.closeErr
}

// shimWake is how long a wait for the shim's answer lasts before the
// shim is sent SIGCONT, and then how often again.
const shimWake = 50 * time.Millisecond

// shimAnswer bounds a wait for an answer the shim gives at once (the
// root's pid, a signal's ack): a shim silent that long is held by a
// member, and is killed.
const shimAnswer = closeWait

// keepAwake sends the shim SIGCONT every [shimWake] until the returned
// func is called: a member may stop the shim (SIGSTOP), and whoever waits
// for the shim's answer (the pid of the root, a signal's ack, the tree
// emptied) would wait for ever. A member may also hold it where SIGCONT
// does not reach (ptrace): after limit (unless 0) the shim is killed, the
// wait ends as the control socket closes, and the container is lost:
// the engine then tears down what it can prove is the tree's and reports
// the rest. The shim is this process's child, signalled through the
// handle os/exec took at spawn; an answer that comes in time costs
// nothing.
func (c *shimContainer) keepAwake(limit time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(shimWake)
		defer tick.Stop()
		start := time.Now()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if limit > 0 && time.Since(start) >= limit {
				c.killSilent()
				return
			}
			_ = c.shimProc.Signal(syscall.SIGCONT)
		}
	}()
	return sync.OnceFunc(func() { close(done) })
}

// killSilent kills the shim that did not answer, through the handle
// os/exec took at spawn, and marks why the container is lost.
func (c *shimContainer) killSilent() {
	c.silent.Store(true)
	_ = c.shimProc.Kill()
}

func (c *shimContainer) mustStarted() {
	if c.cmd == nil {
		panic("sysprims: platform: container used before Start")
	}
}

// shimAttr refuses the cmd.SysProcAttr fields the subreaper mechanism
// cannot honour for the root: they would apply to the shim, and the root
// runs in a session of its own that the shim starts. (Credentials and
// namespaces the shim takes, the root inherits: those are honoured, but
// for a new pid namespace.)
func shimAttr(attr *syscall.SysProcAttr) error {
	const use = "; drop it, or use a mechanism that starts the root directly (cgroup_v2, process_group)"
	switch {
	case attr == nil:
		return nil
	case attr.Setpgid && attr.Pgid != 0:
		return fmt.Errorf("sysprims: cmd.SysProcAttr.Pgid %d: the subreaper mechanism starts the root in a session and group of its own%s", attr.Pgid, use)
	case attr.Setctty || attr.Foreground:
		return errors.New("sysprims: cmd.SysProcAttr.Setctty/Foreground: under the subreaper mechanism the root runs in a new session, without the terminal" + use)
	case attr.Pdeathsig != 0:
		return errors.New("sysprims: cmd.SysProcAttr.Pdeathsig would reach the subreaper shim, not the root (the shim tears the tree down when this process dies)" + use)
	case attr.Chroot != "":
		return errors.New("sysprims: cmd.SysProcAttr.Chroot would apply to the subreaper shim, whose program is outside the new root" + use)
	case (attr.Cloneflags|attr.Unshareflags)&syscall.CLONE_NEWPID != 0:
		return errors.New("sysprims: cmd.SysProcAttr CLONE_NEWPID (Cloneflags or Unshareflags) would put the subreaper shim or its root in a new pid namespace, which the shim cannot report the root from" + use)
	}
	return nil
}
