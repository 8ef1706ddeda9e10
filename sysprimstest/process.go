package sysprimstest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onsi/gomega/gbytes"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/timeout"
	"github.com/3leaps/sysprims-go/process"
)

// Process is a tree started by [Start]: a server, an agent or anything
// else that runs while the test talks to it. Its whole tree is torn down
// at t.Cleanup unless the test stops it first.
//
// A Process works with gexec.Exit (through ExitCode) and gbytes.Say
// (through Buffer).
type Process struct {
	t        TB
	s        settings
	name     string
	test     string // the test that started it, as its markers say
	treeID   string
	tree     *timeout.Tree
	stdout   *output
	stderr   *output
	startErr error
	// stdinR and stdinW are the pipe that feeds a Stdin that is not a
	// file (see feedStdin), or nil.
	stdinR, stdinW *os.File

	once   sync.Once
	mu     sync.Mutex
	result *Result // set once, under mu
}

// Start starts cmd in a tree of its own and returns at once. The tree is
// torn down and checked at t.Cleanup if the test has not called
// [Process.Wait] or [Process.Stop]. A command that cannot start (or a nil
// cmd) fails the test with t.Errorf and yields a Process that has already
// ended.
//
// cmd is used as os/exec uses it: cmd.StdoutPipe, StderrPipe and
// StdinPipe work as documented there (read to EOF, then Wait: the pipes
// are closed when [Process.Wait] or [Process.Stop] returns); a Stdout or
// Stderr that is an *os.File gets the output directly and is not
// captured into [Process.Buffer]; a Stdin that never ends does not hold
// up Wait; cmd.Cancel and cmd.WaitDelay (and exec.CommandContext) act on
// the root, which is cmd.Process, and cmd.ProcessState says how it ended
// once the tree is torn down. cmd.SysProcAttr is merged with what the
// container needs (Setsid or Setpgid for the root are kept) or refused
// with an error that says why (UseCgroupFD with the cgroup v2
// mechanism, Pgid of another group with the process group one).
func Start(t TB, cmd *exec.Cmd, opts ...Option) *Process {
	t.Helper()
	p := start(t, entryStart, cmd, opts)
	if p.startErr == nil {
		t.Cleanup(func() { p.Stop() })
	}
	return p
}

// start does the work of Start and Run; e names the entry point for
// option errors.
func start(t TB, e entry, cmd *exec.Cmd, opts []Option) *Process {
	t.Helper()
	s, err := newSettings(e, opts)
	if cmd == nil {
		err = fmt.Errorf("sysprims: %v: cmd is nil; pass one made by exec.Command", e)
	}
	p := &Process{t: t, s: s, name: cmdName(cmd), test: t.Name(), treeID: owner.NewTreeID(),
		stdout: newOutput(s.outputLimit, e == entryStart), stderr: newOutput(s.outputLimit, e == entryStart)}
	if err == nil {
		err = p.capture(cmd)
	}
	if err == nil {
		p.tree, err = timeout.Start(cmd, p.config())
		p.closeStdin(err != nil)
	}
	if err != nil {
		p.fail(err)
		return p
	}
	trees.add(p)
	return p
}

func (p *Process) fail(err error) {
	p.t.Helper()
	p.startErr = err
	p.result = failedResult(err)
	p.once.Do(func() {})
	p.closeBuffers()
	// The error and those it wraps each name themselves "sysprims: ...",
	// and a start error names the path again; the message says both
	// once, after the command's name.
	msg := err.Error()
	var se *timeout.StartError
	if errors.As(err, &se) {
		msg = se.Err.Error()
	}
	msg = strings.ReplaceAll(msg, "sysprims: ", "")
	if p.s.require && errors.Is(err, platform.ErrUnavailable) {
		p.t.Skipf("sysprims: %s needs a guaranteed teardown: %s", p.name, msg)
		return
	}
	p.t.Errorf("sysprims: start %s: %s", p.name, msg)
}

// capture tees the command's output into the Process buffers, and feeds
// a Stdin that is not a file through a pipe of the Process's own.
//
// A Stdout or Stderr that is an *os.File (a file, os.Stdout, the writer
// of a pipe, what cmd.StdoutPipe set) goes to the child unchanged, as
// os/exec hands it over, and is not captured: wrapping it would give the
// child a pipe of exec's instead, and the writer that cmd.StdoutPipe set
// is closed by exec once the child started. One writer set as both
// Stdout and Stderr is teed once, into the Stdout buffer, so the child
// gets one pipe for both, as with os/exec, and their order is kept.
func (p *Process) capture(cmd *exec.Cmd) error {
	if err := p.feedStdin(cmd); err != nil {
		return err
	}
	if !p.s.capture {
		return nil
	}
	same := cmd.Stdout != nil && sameWriter(cmd.Stdout, cmd.Stderr)
	cmd.Stdout = tee(cmd.Stdout, p.stdout)
	if same {
		cmd.Stderr = cmd.Stdout
		return nil
	}
	cmd.Stderr = tee(cmd.Stderr, p.stderr)
	return nil
}

// sameWriter reports whether a and b are one writer, as os/exec decides
// it (interface equality that cannot panic).
func sameWriter(a, b io.Writer) (same bool) {
	defer func() { _ = recover() }()
	return a == b
}

func tee(user io.Writer, buf *output) io.Writer {
	switch user.(type) {
	case nil:
		return buf
	case *os.File:
		return user
	}
	return io.MultiWriter(user, buf)
}

// feedStdin gives the child, in place of a Stdin that is not an *os.File,
// the reading end of a pipe that a goroutine fills from it. os/exec would
// copy it itself and make Wait wait for that copy, for ever when the
// reader never ends (an io.Pipe nobody closes; golang/go#10338). The
// writing end is closed when the tree has been torn down, which ends the
// copy as soon as the reader returns; a reader that never returns keeps
// that one goroutine blocked in its Read, and nothing else.
func (p *Process) feedStdin(cmd *exec.Cmd) error {
	switch cmd.Stdin.(type) {
	case nil, *os.File:
		return nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("sysprims: stdin pipe: %w", err)
	}
	src := cmd.Stdin
	cmd.Stdin = r
	p.stdinR, p.stdinW = r, w
	go func() {
		_, _ = io.Copy(w, src)
		_ = w.Close()
	}()
	return nil
}

// closeStdin closes the Process's ends of a fed Stdin: the reading end
// once the child has it, the writing end once the tree is gone.
func (p *Process) closeStdin(writer bool) {
	if p.stdinR != nil {
		_ = p.stdinR.Close()
	}
	if writer && p.stdinW != nil {
		_ = p.stdinW.Close()
	}
}

func (p *Process) config() timeout.Config {
	return timeout.Config{
		Grace:     p.s.grace,
		Signal:    p.s.signal,
		Mechanism: p.s.mechanism,
		Require:   p.s.require,
		Env:       owner.Markers(p.treeID, p.test),
		SlowAfter: p.s.hangAfter,
		OnSlow:    p.logHang,
		Logger:    p.s.logger,
	}
}

// logHang explains a wait that is taking long by logging the live tree.
func (p *Process) logHang(tree []proc.ProcessInfo) {
	p.t.Logf("sysprims: still waiting for %s; live tree:%s", p.name, owner.Lines(tree, "\t"))
}

// Pid returns the pid of the root process, or 0 if it never started.
func (p *Process) Pid() int {
	if p.tree == nil {
		return 0
	}
	return p.tree.PID()
}

// TreeID returns the marker value (SYSPRIMS_TREE_ID) carried by every
// process of this tree.
func (p *Process) TreeID() string { return p.treeID }

// Wait waits for the root to exit or for d to pass (capped below the
// test's deadline; 0 means until that deadline, and no limit when the
// test has none), then tears down whatever is left of the tree and
// verifies it is gone. Survivors fail the test. A timeout is reported in
// the Result, not as a failure. A negative d fails the test and tears
// the tree down at once, as [Process.Stop] does. Later calls return the
// first Result.
func (p *Process) Wait(d time.Duration) *Result {
	p.t.Helper()
	if d < 0 {
		p.t.Errorf("sysprims: Wait(%v) of %s: negative timeout; pass 0 to wait until the test's deadline (tearing the tree down now)", d, p.name)
		return p.Stop()
	}
	return p.finish(func() timeout.Outcome {
		return p.tree.Wait(capTimeout(p.t, d, p.s.grace))
	})
}

// Stop tears the whole tree down now: the polite signal to every member,
// then SIGKILL after the grace period, ending as soon as the tree is
// empty. Later calls return the first Result.
func (p *Process) Stop() *Result {
	p.t.Helper()
	return p.finish(func() timeout.Outcome { return p.tree.Stop() })
}

// finish runs end once and turns its outcome into the Result.
func (p *Process) finish(end func() timeout.Outcome) *Result {
	p.t.Helper()
	var r *Result
	p.once.Do(func() {
		o := end()
		p.closeStdin(true)
		trees.remove(p)
		p.closeBuffers()
		r = newResult(o, p.stdout.Bytes(), p.stderr.Bytes())
		p.mu.Lock()
		p.result = r
		p.mu.Unlock()
	})
	if r != nil {
		p.report(r) // here, not in Do: sync.Once is no helper, and the log line would point into it
	}
	return p.Result()
}

// report logs the processes the root left behind, saying which the
// teardown removed; it fails the test for every process that survived the
// teardown, and for a container lost before the tree was empty (what
// escaped the tree without its marker then cannot be found, so nothing
// says the tree is gone).
func (p *Process) report(r *Result) {
	p.t.Helper()
	if r.ContainerLost != "" && len(r.Survivors) == 0 {
		p.t.Errorf("sysprims: %s lost its container (%s, now %s): %s; no process carrying the tree's marker survived, but one that dropped the marker could not be found",
			p.name, r.Mechanism, r.Reliability, r.ContainerLost)
	}
	if n := len(r.Leftovers); n > 0 {
		removed := "removed"
		if k := len(removedLeftovers(r)); k < n {
			removed = fmt.Sprintf("%d removed, %d survived", k, n-k)
		}
		p.t.Logf("sysprims: %s exited leaving %d process(es); %s (%s):%s",
			p.name, n, removed, r.Mechanism, owner.Lines(r.Leftovers, "\t"))
	}
	for _, s := range r.Survivors {
		emitLeak(p.s.logger, p.test, s, "survived the teardown of tree "+p.treeID)
	}
	if n := len(r.Survivors); n > 0 {
		p.t.Errorf("sysprims: %d process(es) of %s survived teardown (%s, %s%s):%s",
			n, p.name, r.Mechanism, r.Reliability, lostNote(r), survivorLines(r))
	}
}

// lostNote says, after the mechanism and reliability, why the container
// was lost: "; the subreaper shim 41 died before ...".
func lostNote(r *Result) string {
	if r.ContainerLost == "" {
		return ""
	}
	return "; " + r.ContainerLost
}

// removedLeftovers returns the leftovers of r that are no survivors.
func removedLeftovers(r *Result) []process.Info {
	return slices.DeleteFunc(slices.Clone(r.Leftovers), func(l process.Info) bool {
		return slices.ContainsFunc(r.Survivors, func(s process.Info) bool { return s.ID() == l.ID() })
	})
}

func (p *Process) closeBuffers() {
	p.stdout.Close()
	p.stderr.Close()
}

// Result returns the Result once [Process.Wait] or [Process.Stop] (or the
// cleanup) has returned, and nil before.
func (p *Process) Result() *Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.result
}

// GomegaString makes Gomega show a Process by its String form.
func (p *Process) GomegaString() string { return p.String() }

// Buffer returns the tree's standard output as it arrives, for gbytes.Say
// (empty when cmd.Stdout is an *os.File, which gets it instead; both
// streams when cmd.Stdout and cmd.Stderr are one writer). It holds at
// most the output limit ([DefaultOutputLimit] unless [WithOutputLimit]
// says otherwise): when more arrives, what it held is dropped and
// matching goes on over the new output.
func (p *Process) Buffer() *gbytes.Buffer { return p.stdout.say }

// ErrBuffer returns the tree's standard error as it arrives, within the
// same limit as [Process.Buffer].
func (p *Process) ErrBuffer() *gbytes.Buffer { return p.stderr.say }

// String names the process for messages.
func (p *Process) String() string {
	return fmt.Sprintf("%s (pid %d, tree %s)", p.name, p.Pid(), p.treeID)
}

func cmdName(cmd *exec.Cmd) string {
	if cmd == nil {
		return "<nil *exec.Cmd>"
	}
	if len(cmd.Args) > 0 {
		return fmt.Sprintf("%q", cmd.Args)
	}
	return fmt.Sprintf("%q", cmd.Path)
}
