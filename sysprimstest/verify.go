package sysprimstest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"go.uber.org/goleak"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/timeout"
	"github.com/3leaps/sysprims-go/process"
)

// ErrLeaked is the sentinel a [*LeakError] unwraps to.
var ErrLeaked = errors.New("sysprims: processes leaked")

// LeakError lists the processes that outlived the test or test binary
// that started them. [VerifyNoLeaks] hands it to the test's Errorf as the
// argument of "%v" (joined with a [*DescriptorLeakError] when both
// happen), so a [TB] of your own, such as a harness's, can take it with
// errors.As; [VerifyRun] prints it.
type LeakError struct {
	Scope     string // the test name, or "the test binary"
	Survivors []process.Info
	notes     map[int]string // what the check did about each, and why
}

// Error lists the survivors, one per line, each with what the check did
// about it: removed, stopped with its tree, or left running and why.
func (e *LeakError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sysprims: %d process(es) outlived %s:", len(e.Survivors), e.Scope)
	for _, p := range e.Survivors {
		b.WriteString("\n\t" + owner.Line(p))
		if note := e.notes[p.PID]; note != "" {
			b.WriteString(" [" + note + "]")
		}
	}
	return b.String()
}

// Unwrap returns [ErrLeaked].
func (e *LeakError) Unwrap() error { return ErrLeaked }

// scope is what one leak check judges: owner's rule for a test (or the
// whole binary, test ""), the trees this package started since the check
// began, and the options.
type scope struct {
	owner.Scope
	trees uint64 // the registry's sequence when the check began
	s     settings
	fds   fdTable // open descriptors when the check began, with WithDescriptors
}

// newScope starts a leak check: the test process becomes a child
// subreaper where it can (so orphans stay its descendants), and the
// baseline is a cheap snapshot.
func newScope(test string, s settings) (*scope, error) {
	_ = platform.AdoptOrphans() // unsupported off Linux: best effort there
	snap, err := Snapshot()
	if err != nil {
		return nil, err
	}
	base := make(map[process.Identity]bool, len(snap))
	for _, p := range snap {
		base[p.ID()] = true
	}
	sc := &scope{Scope: owner.Scope{Test: test, Baseline: base, Self: os.Getpid(), Helper: platform.OwnHelper}, trees: trees.seq(), s: s}
	if s.descriptors {
		sc.fds = openFiles()
	}
	return sc, nil
}

// settleTime bounds how long a leak check waits for processes killed a
// moment ago (by the test itself, not through a container) to be gone.
const settleTime = 250 * time.Millisecond

// verify returns what verifyProcesses and verifyFiles find: a
// *LeakError, a *DescriptorLeakError, both joined, or nil.
func (sc *scope) verify(what string) error {
	perr := sc.verifyProcesses(what) // stops the trees first: their descriptors close
	ferr := sc.verifyFiles(what)
	emitLeaks(sc.s.logger, what, perr, ferr)
	switch {
	case ferr == nil:
		return perr
	case perr == nil:
		return ferr
	}
	return errors.Join(perr, ferr)
}

// verifyProcesses returns a *LeakError naming what is in scope and alive,
// after removing what it may: the trees the scope left running (by their
// containers), and the processes it proves by parent links.
func (sc *scope) verifyProcesses(what string) error {
	found := sc.stopTrees()
	leaks, zombies, err := sc.leaks()
	if err != nil {
		return err
	}
	found = proc.Merge(found, leaks)
	notes := sc.remove(found)
	if sc.Test == "" {
		reap(append(zombies, infos(found)...))
	}
	if len(found) == 0 {
		return nil
	}
	return &LeakError{Scope: what, Survivors: infos(found), notes: notes}
}

// stopTrees stops the trees started through this package in the scope
// (by its test, or any for the whole binary) since the check began that
// are still running, and returns their live members: their containers
// kill them.
func (sc *scope) stopTrees() []owner.Finding {
	var out []owner.Finding
	for _, p := range trees.since(sc.trees, sc.Test) {
		ms, _ := p.Members()
		for _, m := range ms {
			if !sc.s.ignored(m) {
				out = append(out, owner.Finding{Info: m, Proof: owner.Container, Why: "left running by " + p.test})
			}
		}
		p.Stop()
	}
	return out
}

// leaks judges the live processes in scope, retrying briefly while any
// is found, so that a process killed a moment ago has time to be gone and
// one caught mid-exec (no markers yet) shows what it is.
func (sc *scope) leaks() ([]owner.Finding, []process.Info, error) {
	deadline := time.Now().Add(settleTime)
	for {
		found, zombies, err := sc.judge()
		if err != nil || len(found) == 0 || time.Now().After(deadline) {
			return found, zombies, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// judge takes a cheap snapshot, reads command lines and markers of the
// processes new since the baseline only, and lets owner charge them. A
// process that exits meanwhile is dropped, before and after judging: one
// caught exiting has lost its environment (so its markers) and its
// cgroup, and would look like an unattributed descendant.
func (sc *scope) judge() ([]owner.Finding, []process.Info, error) {
	snap, err := Snapshot()
	if err != nil {
		return nil, nil, err
	}
	cands := proc.Fill(sc.Candidates(snap), owner.Fields)
	judge := sc.Scope
	if judge.Test != "" {
		judge.Held = platform.HeldIn(snap) // another test's live tree
	}
	leaks, zombies := judge.Judge(snap, cands)
	return slices.DeleteFunc(leaks, func(f owner.Finding) bool {
		return sc.s.ignored(f.Info) || !stillRunning(f.Info)
	}), zombies, nil
}

// remove kills what the check proved is its to kill and returns, for
// each finding, what it did and why. A tree's members were killed by its
// container already; a descendant is killed by identity once a guard
// agrees (never inside a container: that container answers for it), and
// waited for by the engine's rule ([timeout.KillAll]).
func (sc *scope) remove(found []owner.Finding) map[int]string {
	notes := map[int]string{}
	var kill []owner.Finding
	var g *owner.Guard
	for _, f := range found {
		switch f.Proof {
		case owner.Container:
			notes[f.PID] = "stopped with its tree"
			continue
		case owner.NoProof:
			notes[f.PID] = "left running: " + attribution(f) + "nothing proves it is this test's to kill"
			continue
		}
		if g == nil {
			g = owner.NewGuard()
		}
		if err := g.Refuse(f.Info, f.Proof); err != nil {
			notes[f.PID] = "left running: " + err.Error()
			continue
		}
		kill = append(kill, f)
	}
	failed, _ := timeout.KillAll(proc.IDs(kill))
	for _, f := range kill {
		notes[f.PID] = attribution(f) + "removed"
		if err := failed[f.ID()]; err != nil {
			notes[f.PID] = "left running: " + err.Error()
		}
	}
	return notes
}

// attribution says, for a process that does not carry this run's
// markers, how the check attributed it.
func attribution(f owner.Finding) string {
	if owner.Minted(f.Info) {
		return ""
	}
	return f.Why + "; "
}

// reap reaps those of ps that are this process's adopted zombies, by pid.
// It runs only once the tests are over, when no os/exec Wait can still
// want them, and after [scope.remove] waited for what it killed.
func reap(ps []process.Info) {
	for _, p := range ps {
		platform.ReapAdopted(p.PID)
	}
}

// stillRunning reports whether p is alive and not yet a zombie.
func stillRunning(p process.Info) bool {
	_, ok := proc.Running(p.ID(), proc.Options{})
	return ok
}

func infos(fs []owner.Finding) []process.Info {
	out := make([]process.Info, len(fs))
	for i, f := range fs {
		out[i] = f.Info
	}
	return out
}

// ownGoroutines excuses the library's own long-lived goroutine from the
// goroutine check: the one that reaps the cgroup guardian, which lives as
// long as the binary.
var ownGoroutines = []goleak.Option{
	goleak.IgnoreAnyFunction("github.com/3leaps/sysprims-go/internal/platform.reapGuardian"),
}

// VerifyNoLeaks checks, at the end of the test, that nothing it started
// is still alive, and fails the test naming each process that is. Call it
// first in the test so its check runs after every other cleanup.
//
// What it charges to the test: processes carrying this test's markers
// (started through [Run] or [Start], wherever they moved), trees started
// by the test and never stopped, and descendants of the test process that
// were not there when VerifyNoLeaks was called, however they were started
// (plain os/exec included). On Linux the test process becomes a child
// subreaper, so a daemon that forked away, called setsid or wiped its
// environment stays its descendant and is found; elsewhere such a daemon
// is found only by its markers (best effort). Processes inside another
// test's live tree are not charged.
//
// What it removes: trees left running, by their containers; processes
// with this test's markers that still descend from the test process, by
// identity. A descendant without markers is named but left running (in
// parallel tests it may be another test's); [VerifyTestMain] removes it
// at the end of the binary.
func VerifyNoLeaks(t TB, opts ...Option) {
	t.Helper()
	s, err := newSettings(entryVerify, opts)
	var sc *scope
	if err == nil {
		sc, err = newScope(t.Name(), s)
	}
	if err != nil {
		t.Errorf("sysprims: VerifyNoLeaks: %v", err)
		return
	}
	t.Cleanup(func() {
		t.Helper()
		if err := sc.verify(t.Name()); err != nil {
			t.Errorf("%v", err)
		}
	})
}

// TestingM is the part of *testing.M that [VerifyTestMain] uses.
type TestingM interface {
	Run() int
}

// VerifyTestMain runs the tests, then fails the binary if any process it
// started is still alive, naming each (with the test that started it when
// its markers say) and removing it: trees left running by their
// containers, and every descendant of the test process by identity. On
// Linux the test process is a child subreaper for the whole run, so
// daemons started through plain os/exec (setsid, double fork, a wiped
// environment) stay its descendants and are caught; their zombies are
// reaped, by pid, only after the tests have returned. Elsewhere a daemon
// whose parent exited is found only by its markers (best effort). With
// [WithGoroutines] it also checks for leaked goroutines through goleak.
// It calls os.Exit.
//
//	func TestMain(m *testing.M) { sysprimstest.VerifyTestMain(m) }
func VerifyTestMain(m TestingM, opts ...Option) {
	os.Exit(VerifyRun(m, opts...))
}

// VerifyRun does what [VerifyTestMain] does but returns the exit code
// instead of exiting, for a TestMain with more to do after the tests. The
// report goes to standard error.
func VerifyRun(m TestingM, opts ...Option) int {
	return verifyTestMain(m, os.Stderr, opts)
}

func verifyTestMain(m TestingM, w io.Writer, opts []Option) int {
	s, err := newSettings(entryTestMain, opts)
	var sc *scope
	if err == nil {
		sc, err = newScope("", s)
	}
	if err != nil {
		fmt.Fprintf(w, "sysprims: VerifyTestMain: %v\n", err)
		return 2
	}
	code := m.Run()
	if err := sc.verify("the test binary"); err != nil {
		fmt.Fprintf(w, "%v\n", err)
		code = max(code, 1)
	}
	if s.goroutines && code == 0 {
		if err := goleak.Find(append(s.goleakOpts, ownGoroutines...)...); err != nil {
			fmt.Fprintf(w, "sysprims: goroutines leaked: %v\n", err)
			code = 1
		}
	}
	return code
}
