package sysprimstest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/goleak"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// ErrLeaked is the sentinel a [*LeakError] unwraps to.
var ErrLeaked = errors.New("sysprims: processes leaked")

// LeakError lists the processes that outlived the test or test binary
// that started them.
type LeakError struct {
	Scope     string // the test name, or "test binary"
	Survivors []ProcessInfo
}

// Error lists the survivors, one per line.
func (e *LeakError) Error() string {
	return fmt.Sprintf("sysprims: %d process(es) outlived %s:%s", len(e.Survivors), e.Scope, processLines(e.Survivors))
}

// Unwrap returns [ErrLeaked].
func (e *LeakError) Unwrap() error { return ErrLeaked }

// scope is what a leak check looks at: processes that carry this run's
// markers (and, for a test, its name), or that descend from the test
// process and were not there when the check began.
type scope struct {
	name     string // test name; "" for the whole binary
	baseline map[proc.Identity]bool
	s        settings
}

func newScope(name string, s settings) (*scope, error) {
	snap, err := Snapshot()
	if err != nil {
		return nil, err
	}
	base := make(map[proc.Identity]bool, len(snap))
	for _, p := range snap {
		base[p.ID()] = true
	}
	return &scope{name: name, baseline: base, s: s}, nil
}

// settleTime bounds how long a leak check waits for processes killed a
// moment ago (by the test itself, not through a container) to be gone.
const settleTime = 250 * time.Millisecond

// leaks returns the live processes in scope, retrying briefly so that a
// process killed a moment ago has time to be gone.
func (sc *scope) leaks() ([]ProcessInfo, error) {
	deadline := time.Now().Add(settleTime)
	for {
		snap, err := Snapshot()
		if err != nil {
			return nil, err
		}
		found := sc.judge(snap)
		if len(found) == 0 || time.Now().After(deadline) {
			return found, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// judge picks the leaks out of one snapshot.
func (sc *scope) judge(snap []ProcessInfo) []ProcessInfo {
	mine := descendantSet(snap, os.Getpid())
	var out []ProcessInfo
	for _, p := range snap {
		if p.State.Gone() || sc.baseline[p.ID()] || sc.s.ignored(p) || IsHelper(p) {
			continue
		}
		if sc.marked(p) || (mine[p.PID] && sc.unclaimed(p)) {
			out = append(out, p)
		}
	}
	return out
}

// marked reports whether p carries this run's markers for the scope.
func (sc *scope) marked(p ProcessInfo) bool {
	if p.Markers[EnvRunID] != runID {
		return false
	}
	return sc.name == "" || p.Markers[EnvTest] == sc.name
}

// unclaimed reports whether p, a descendant of the test process, may
// belong to this scope: it carries no test marker of another test.
func (sc *scope) unclaimed(p ProcessInfo) bool {
	t, ok := p.Markers[EnvTest]
	return !ok || sc.name == "" || t == sc.name
}

// ownGoroutines excuses the library's own long-lived goroutine from the
// goroutine check: the one that reaps the cgroup guardian, which lives as
// long as the binary.
var ownGoroutines = []goleak.Option{
	goleak.IgnoreAnyFunction("github.com/3leaps/sysprims-go/internal/platform.reapGuardian"),
}

// IsHelper reports whether p is one of this library's own helper
// processes (a subreaper shim or the cgroup guardian). Helpers end with the
// trees or the binary they serve, so leak checks skip them.
func IsHelper(p ProcessInfo) bool {
	for _, k := range helperMarkers {
		if _, ok := p.Markers[k]; ok {
			return true
		}
	}
	return false
}

// descendantSet returns the pids that descend from root in snap.
func descendantSet(snap []ProcessInfo, root int) map[int]bool {
	set := make(map[int]bool)
	for _, p := range proc.Descendants(snap, root) {
		set[p.PID] = true
	}
	return set
}

// VerifyNoLeaks checks, at the end of the test, that no process started
// during it is still alive: neither one carrying its markers (started
// through [Run] or [Start], wherever it moved) nor a descendant of the test
// process that was not there when VerifyNoLeaks was called. Call it first
// in the test so its check runs after every other cleanup.
//
// Descendants started without this package carry no test name; in
// parallel tests they are charged to whichever test finds them.
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

// verify returns a *LeakError naming what is in scope and alive, after
// removing it so that nothing outlives the check.
func (sc *scope) verify(what string) error {
	found, err := sc.leaks()
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return nil
	}
	removeAll(found)
	return &LeakError{Scope: what, Survivors: found}
}

// TestingM is the part of *testing.M that [VerifyTestMain] uses.
type TestingM interface {
	Run() int
}

// VerifyTestMain runs the tests, then fails the binary if any process
// started by it (carrying this run's markers, or a descendant of the test
// process) is still alive, naming each with the test that started it and
// removing it. With [WithGoroutines] it also checks for leaked goroutines
// through goleak. It calls os.Exit.
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

// helperMarkers are the environment variables that mark this library's
// own helper processes.
var helperMarkers = []string{"SYSPRIMS_SHIM", "SYSPRIMS_GUARDIAN"}
