package sysprimstest

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"

	"github.com/onsi/gomega/gbytes"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/timeout"
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

	once   sync.Once
	mu     sync.Mutex
	result *Result // set once, under mu
}

// Start starts cmd in a tree of its own and returns at once. The tree is
// torn down and checked at t.Cleanup if the test has not called
// [Process.Wait] or [Process.Stop]. A command that cannot start fails the
// test with t.Errorf and yields a Process that has already ended.
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
	p := &Process{t: t, s: s, name: cmdName(cmd), test: t.Name(), treeID: owner.NewTreeID(),
		stdout: newOutput(s.outputLimit, e == entryStart), stderr: newOutput(s.outputLimit, e == entryStart)}
	if err == nil {
		p.capture(cmd)
		p.tree, err = timeout.Start(cmd, p.config())
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
	if p.s.require && errors.Is(err, platform.ErrUnavailable) {
		p.t.Skipf("sysprims: %s needs a guaranteed teardown: %v", p.name, err)
		return
	}
	p.t.Errorf("sysprims: start %s: %v", p.name, err)
}

// capture tees the command's output into the Process buffers.
func (p *Process) capture(cmd *exec.Cmd) {
	if !p.s.capture {
		return
	}
	cmd.Stdout = tee(cmd.Stdout, p.stdout)
	cmd.Stderr = tee(cmd.Stderr, p.stderr)
}

func tee(user io.Writer, buf *output) io.Writer {
	if user == nil {
		return buf
	}
	return io.MultiWriter(user, buf)
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

// Wait waits for the root to exit or for timeout to pass (capped below
// the test's deadline), then tears down whatever is left of the tree and
// verifies it is gone. Survivors fail the test. A timeout is reported in
// the Result, not as a failure. Later calls return the first Result.
func (p *Process) Wait(d time.Duration) *Result {
	p.t.Helper()
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
	p.once.Do(func() {
		o := end()
		trees.remove(p)
		p.closeBuffers()
		r := newResult(o, p.stdout.Bytes(), p.stderr.Bytes())
		p.mu.Lock()
		p.result = r
		p.mu.Unlock()
		p.report(r)
	})
	return p.Result()
}

// report fails the test for every process that survived the teardown.
func (p *Process) report(r *Result) {
	p.t.Helper()
	for _, s := range r.Survivors {
		emitLeak(p.s.logger, p.test, s, "survived the teardown of tree "+p.treeID)
	}
	if n := len(r.Survivors); n > 0 {
		p.t.Errorf("sysprims: %d process(es) of %s survived teardown (%s, %s):%s",
			n, p.name, r.Mechanism, r.Reliability, survivorLines(r))
	}
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

// Buffer returns the tree's standard output as it arrives, for gbytes.Say.
// It holds at most the output limit ([DefaultOutputLimit] unless
// [WithOutputLimit] says otherwise): when more arrives, what it held is
// dropped and matching goes on over the new output.
func (p *Process) Buffer() *gbytes.Buffer { return p.stdout.say }

// ErrBuffer returns the tree's standard error as it arrives, within the
// same limit as [Process.Buffer].
func (p *Process) ErrBuffer() *gbytes.Buffer { return p.stderr.say }

// String names the process for messages.
func (p *Process) String() string {
	return fmt.Sprintf("%s (pid %d, tree %s)", p.name, p.Pid(), p.treeID)
}

func cmdName(cmd *exec.Cmd) string {
	if len(cmd.Args) > 0 {
		return fmt.Sprintf("%q", cmd.Args)
	}
	return fmt.Sprintf("%q", cmd.Path)
}
