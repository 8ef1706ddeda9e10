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
	"unsafe"

	"golang.org/x/sys/windows"
)

// killExitCode is the exit code TerminateJobObject gives every member; the
// root's Wait reports it as SIGKILL when this container killed the tree.
const killExitCode = 1

// waitEmptyTick is how often WaitEmpty polls the job's active process count.
const waitEmptyTick = 5 * time.Millisecond

// processAccess is what the container needs on the root process handle.
const processAccess = windows.PROCESS_SET_QUOTA | windows.PROCESS_TERMINATE |
	windows.PROCESS_QUERY_LIMITED_INFORMATION | windows.SYNCHRONIZE

// testHookAssignAfterResume, when non-nil (tests only), breaks the start
// order on purpose: the root is resumed first, the hook runs (a test lets
// the root spawn a grandchild there), and only then is the root assigned
// to the job. Tests use it to show that an escape is detected.
var testHookAssignAfterResume func(pid int)

// jobContainer holds a tree in a Windows Job Object created with
// JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE. The root is created suspended,
// assigned to the job, then resumed, so every process it starts is a
// member from its first instruction; closing the job handle (or the death
// of the process that holds it) kills every member.
type jobContainer struct {
	winRoot
	job  windows.Handle
	once sync.Once
	mu   sync.Mutex // guards job against Close racing Kill/Members
}

// newJobContainer creates the job object; nothing is started yet.
func newJobContainer() (*jobContainer, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("sysprims: create job object: %w", err)
	}
	if err := setKillOnClose(job); err != nil {
		windows.CloseHandle(job)
		return nil, err
	}
	return &jobContainer{job: job}, nil
}

// setKillOnClose sets JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE on job.
func setKillOnClose(job windows.Handle) error {
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	_, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)))
	if err != nil {
		return fmt.Errorf("sysprims: set job kill-on-close: %w", err)
	}
	return nil
}

// Mechanism is [MechanismJobObject].
func (c *jobContainer) Mechanism() Mechanism { return MechanismJobObject }

// Reliability is [Guaranteed]: the root was assigned before it ran.
func (c *jobContainer) Reliability() Reliability { return Guaranteed }

// Start creates the root suspended in a new process group, assigns it to
// the job and resumes it. If the assignment fails the root is terminated
// before it ever ran and the error is returned.
func (c *jobContainer) Start(cmd *exec.Cmd) error {
	if c.cmd != nil {
		panic("sysprims: Container.Start called twice")
	}
	addCreationFlags(cmd, windows.CREATE_SUSPENDED|windows.CREATE_NEW_PROCESS_GROUP)
	if err := cmd.Start(); err != nil {
		return err
	}
	c.started(cmd)
	if err := c.adopt(); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	return nil
}

// adopt opens the suspended root, assigns it to the job and resumes it
// (in the wrong order when the test hook asks for it).
func (c *jobContainer) adopt() error {
	h, err := windows.OpenProcess(processAccess, false, uint32(c.pid))
	if err != nil {
		return fmt.Errorf("sysprims: open process %d: %w", c.pid, err)
	}
	c.proc = h
	if hook := testHookAssignAfterResume; hook != nil {
		if err := resumeProcess(c.pid); err != nil {
			return err
		}
		hook(c.pid)
		return c.assign()
	}
	if err := c.assign(); err != nil {
		return err
	}
	return resumeProcess(c.pid)
}

// assign puts the root into the job.
func (c *jobContainer) assign() error {
	if err := windows.AssignProcessToJobObject(c.job, c.proc); err != nil {
		return fmt.Errorf("sysprims: assign process %d to job: %w", c.pid, err)
	}
	return nil
}

// Usage is the job's account, read as Close releases the job: the CPU
// time of every member and PeakJobMemoryUsed (committed memory of the
// whole tree); peak processes unmeasured (a job counts the processes it
// ever held, not the most at once). Where the job keeps no account (Wine
// reports zero times and no peak) the root's own CPU time stands and
// peak memory is unmeasured. See [Accountant].
func (c *jobContainer) Usage() Usage { return c.acct.get() }

// Signal sends sig to the tree. SIGTERM, SIGINT and SIGHUP become a
// CTRL_BREAK_EVENT to the root's process group when the caller shares a
// console with it, else a Kill; SIGKILL is a Kill; SIGCONT and 0 do
// nothing (a Windows process cannot be stopped by a signal).
func (c *jobContainer) Signal(sig syscall.Signal) error {
	c.mu.Lock()
	live := c.job != 0 && c.rootAlive()
	c.mu.Unlock()
	return signalTree(sig, c.pid, live, c.Kill)
}

// Kill terminates every member of the job at once.
func (c *jobContainer) Kill() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.job == 0 {
		return nil
	}
	c.killed.Store(true)
	if err := windows.TerminateJobObject(c.job, killExitCode); err != nil {
		return fmt.Errorf("sysprims: terminate job: %w", err)
	}
	return nil
}

// Members lists the pids of the job's live processes.
func (c *jobContainer) Members() ([]int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.job == 0 {
		return nil, nil
	}
	return jobPIDs(c.job)
}

// WaitEmpty polls the job's active process count until it is zero or ctx
// is done. After a Kill it terminates the job again on every poll that
// still finds members: a process whose creation was under way when the
// job was terminated joins the job afterwards and must be killed too.
func (c *jobContainer) WaitEmpty(ctx context.Context) error {
	return pollEmpty(ctx, c.activeCount)
}

// activeCount is the number of live processes in the job, re-killing
// late joiners once the job was killed.
func (c *jobContainer) activeCount() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.job == 0 {
		return 0, nil
	}
	n, err := jobActive(c.job)
	if err == nil && n > 0 && c.killed.Load() {
		err = windows.TerminateJobObject(c.job, killExitCode)
	}
	return n, err
}

// Close kills what is left and closes the job handle.
func (c *jobContainer) Close() error {
	var err error
	c.once.Do(func() {
		err = c.Kill()
		c.mu.Lock()
		c.acct.add(atLeastRoot(jobUsage(c.job), c.acct.get()))
		err = errors.Join(err, windows.CloseHandle(c.job))
		c.job = 0
		if c.proc != 0 {
			windows.CloseHandle(c.proc)
		}
		c.mu.Unlock()
		c.finish()
	})
	return err
}

// addCreationFlags ors flags into the CreationFlags of a SysProcAttr of
// cmd's own, a copy of the caller's (which may be shared) or a new one.
func addCreationFlags(cmd *exec.Cmd, flags uint32) {
	attr := &syscall.SysProcAttr{}
	if cmd.SysProcAttr != nil {
		*attr = *cmd.SysProcAttr
	}
	attr.CreationFlags |= flags
	cmd.SysProcAttr = attr
}

// winRoot is the root process both Windows containers start and wait
// for: its command, pid and handle (SYNCHRONIZE at least), how its
// cmd.Wait is split (see [cmdWait]), and whether the container killed it.
type winRoot struct {
	cmd     *exec.Cmd
	pid     int
	proc    windows.Handle // the root, once started
	waiter  *cmdWait
	waiting atomic.Bool // Wait was called
	killed  atomic.Bool
	acct    account // the root's times at Wait (a job adds its own at Close)
}

// started records the root cmd just started.
func (r *winRoot) started(cmd *exec.Cmd) {
	r.cmd, r.pid = cmd, cmd.Process.Pid
	r.waiter = newCmdWait(cmd, cmd.Process)
}

// PID is the root's pid.
func (r *winRoot) PID() int { return r.pid }

// Wait waits for the root and reports how it ended; a root ended by the
// container's Kill is reported as SIGKILL. When the caller may hold a
// pipe end of cmd's (see [cmdWait]) the rest of cmd.Wait is left to Close.
func (r *winRoot) Wait() (ExitStatus, error) {
	if r.cmd == nil {
		panic("sysprims: Container.Wait called before Start")
	}
	r.waiting.Store(true)
	ps, err := r.waiter.reap()
	r.acct.add(rootUsage(ps))
	return exitStatus(ps, err, &r.killed)
}

// finish completes cmd.Wait, once the tree was killed: it waits for the
// root first when nobody did, then lets exec finish its copying and
// close the caller's pipe ends.
func (r *winRoot) finish() {
	if r.waiter == nil {
		return
	}
	if !r.waiting.Load() {
		_, _ = r.Wait()
	}
	r.waiter.finish()
}

// rootAlive reports whether the root still runs.
func (r *winRoot) rootAlive() bool { return r.proc != 0 && alive(r.proc) }

// exitStatus converts the root's reaped state (and the error of its
// wait) into an ExitStatus; a root that exited with killExitCode after
// killed was set is reported as SIGKILL. A pipe held open past WaitDelay
// is not an error of the root's exit.
func exitStatus(ps *os.ProcessState, err error, killed *atomic.Bool) (ExitStatus, error) {
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) && !errors.Is(err, exec.ErrWaitDelay) {
		return ExitStatus{Code: -1}, err
	}
	if ps == nil {
		return ExitStatus{Code: -1}, err
	}
	code := ps.ExitCode()
	if killed.Load() && code == killExitCode {
		return ExitStatus{Code: -1, Signal: syscall.SIGKILL}, nil
	}
	return ExitStatus{Code: code}, nil
}

// pollEmpty calls count every waitEmptyTick until it reports zero or ctx
// is done.
func pollEmpty(ctx context.Context, count func() (int, error)) error {
	t := time.NewTicker(waitEmptyTick)
	defer t.Stop()
	for {
		n, err := count()
		if err != nil || n == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
