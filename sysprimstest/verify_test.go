package sysprimstest

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"github.com/3leaps/sysprims-go/process"
)

// leakTree starts the grandchild scenario under a recorder whose cleanups
// never run, the way a test that crashed past its cleanup would leave it,
// and waits until it is up.
func leakTree(t *testing.T, r *fixtures.Reporter, test string) *Process {
	t.Helper()
	cmd := fixtures.Command("grandchild")
	r.Attach(cmd)
	want := len(r.Reports()) + 3 // counted before the tree can report
	p := Start(NewRecorder(test), cmd)
	if _, err := r.Await(want, waittest.Scale(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyNoLeaksNamesAndRemovesLeaks(t *testing.T) {
	r := listen(t)
	rec := NewRecorder("TestLeaky")
	VerifyNoLeaks(rec)
	p := leakTree(t, r, "TestLeaky")
	errs := rec.Close()
	if !strings.Contains(errs, "outlived TestLeaky") || !strings.Contains(errs, "started by TestLeaky") {
		t.Errorf("leak report does not name the test:\n%s", errs)
	}
	if n := strings.Count(errs, "\n\tpid "); n != 3 {
		t.Errorf("leak report lists %d processes, want 3:\n%s", n, errs)
	}
	assertGoneWithin(t, r, time.Second)
	p.Stop()
}

func TestVerifyNoLeaksIgnoresOtherTests(t *testing.T) {
	r := listen(t)
	other := leakTree(t, r, "TestSomeoneElse")
	defer other.Stop()
	rec := NewRecorder("TestClean")
	VerifyNoLeaks(rec)
	cmd := fixtures.Command("grandchild")
	r.Attach(cmd)
	p := Start(rec, cmd)
	if _, err := r.Await(6, waittest.Scale(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	_ = p
	if errs := rec.Close(); errs != "" {
		t.Errorf("a clean test was charged with leaks:\n%s", errs)
	}
	if alive := aliveMembers(r); len(alive) != 3 {
		t.Errorf("the other test's tree should still be alive: %v", alive)
	}
}

func TestVerifyNoLeaksFindsPlainChildren(t *testing.T) {
	rec := NewRecorder("TestPlain")
	VerifyNoLeaks(rec, IgnoreName("never-matches"))
	r := listen(t)
	cmd := fixtures.Command("sleeper")
	r.Attach(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill() // a test's check names it but leaves it running
	if _, err := r.Await(1, waittest.Scale(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	errs := rec.Close()
	if !strings.Contains(errs, "1 process(es) outlived TestPlain") || !strings.Contains(errs, "left running") {
		t.Errorf("plain child not reported (as left running):\n%s", errs)
	}
	if len(r.Alive()) != 1 {
		t.Errorf("a test's check killed a descendant without markers (it may be another test's)")
	}
}

// TestVerifyNoLeaksSparesCopiedMarkers: a plain child that carries this
// run's markers for the test (a parallel sibling can copy them into its
// own child's environment) is named, and left running: markers and parent
// links prove nothing a test's check may kill on.
func TestVerifyNoLeaksSparesCopiedMarkers(t *testing.T) {
	rec := NewRecorder("TestCopied")
	VerifyNoLeaks(rec)
	r := listen(t)
	cmd := fixtures.Command("sleeper")
	r.Attach(cmd)
	cmd.Env = append(cmd.Environ(), owner.EnvRunID+"="+owner.RunID(), owner.EnvTest+"=TestCopied")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	if _, err := r.Await(1, waittest.Scale(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	errs := rec.Close()
	if !strings.Contains(errs, "started by TestCopied") || !strings.Contains(errs, "left running") {
		t.Errorf("the marked child is not named as left running:\n%s", errs)
	}
	if len(r.Alive()) != 1 {
		t.Errorf("a test's check killed a process on its markers and parent link")
	}
}

func TestVerifyNoLeaksIgnore(t *testing.T) {
	r := listen(t)
	rec := NewRecorder("TestIgnoring")
	VerifyNoLeaks(rec, IgnoreFunc("everything", func(process.Info) bool { return true }))
	p := leakTree(t, r, "TestIgnoring")
	defer p.Stop()
	if errs := rec.Close(); errs != "" {
		t.Errorf("ignored processes reported:\n%s", errs)
	}
}

func TestVerifyNoLeaksBadOption(t *testing.T) {
	rec := NewRecorder("TestBad")
	VerifyNoLeaks(rec, WithGrace(time.Second))
	if errs := rec.Close(); !strings.Contains(errs, "does not apply to VerifyNoLeaks") {
		t.Errorf("got %q", errs)
	}
	rec = NewRecorder("TestNil")
	VerifyNoLeaks(rec, IgnorePID(7), nil)
	if errs := rec.Close(); !strings.Contains(errs, "option 2 of VerifyNoLeaks is nil") {
		t.Errorf("nil option: got %q", errs)
	}
	var out strings.Builder
	if code := verifyTestMain(fakeM(func() int { t.Error("tests ran"); return 0 }), &out, []Option{nil}); code != 2 ||
		!strings.Contains(out.String(), "option 1 of VerifyTestMain is nil") {
		t.Errorf("VerifyTestMain with a nil option: code %d, %q", code, out.String())
	}
}

// fakeM is a TestingM whose Run does what the test says.
type fakeM func() int

func (f fakeM) Run() int { return f() }

func TestVerifyTestMain(t *testing.T) {
	r := listen(t)
	var out strings.Builder
	code := verifyTestMain(fakeM(func() int { leakTree(t, r, "TestInsideMain"); return 0 }), &out, nil)
	if code != 1 || !strings.Contains(out.String(), "outlived the test binary") ||
		!strings.Contains(out.String(), "started by TestInsideMain") {
		t.Errorf("code %d, output:\n%s", code, out.String())
	}
	assertGoneWithin(t, r, time.Second)

	out.Reset()
	if code := verifyTestMain(fakeM(func() int { return 3 }), &out, []Option{WithGoroutines()}); code != 3 || out.Len() != 0 {
		t.Errorf("clean failing run: code %d, output %q", code, out.String())
	}
	if code := verifyTestMain(fakeM(func() int { return 0 }), &out, []Option{WithGrace(0)}); code != 2 {
		t.Errorf("bad option: code %d", code)
	}
}

func TestLeakErrorUnwraps(t *testing.T) {
	err := error(&LeakError{Scope: "x", Survivors: []process.Info{{PID: 9, Name: "a"}}})
	if !errors.Is(err, ErrLeaked) || !strings.Contains(err.Error(), "pid 9") {
		t.Errorf("%v", err)
	}
}

func TestStartMissingBinary(t *testing.T) {
	rec := NewRecorder("TestMissing")
	p := Start(rec, exec.Command("/nonexistent/sysprims-no-such-binary"))
	errs := rec.Close()
	if !strings.Contains(errs, "no-such-binary") || p.Pid() != 0 || p.ExitCode() != 127 {
		t.Errorf("errors %q pid %d exit %d", errs, p.Pid(), p.ExitCode())
	}
	// One prefix, the command once: the start error's own "sysprims: start
	// PATH:" is not repeated after the command's name.
	if n := strings.Count(errs, "sysprims:"); n != 1 {
		t.Errorf("%d sysprims: prefixes in %q", n, errs)
	}
	if res := p.Wait(time.Second); res.Err == nil || res.JSON() != nil {
		t.Errorf("result of a failed start: %v", res)
	}
	if _, err := p.Members(); err == nil {
		t.Error("Descendants of a failed start gave no error")
	}
	if err := p.Signal(syscall.SIGTERM); err == nil {
		t.Error("Signal of a failed start gave no error")
	}
}
