package sysprimstest

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// A nil cmd fails Run and Start with an error that says what to pass,
// and leaves an ended Process. Before, both panicked with a nil
// dereference.
func TestNilCommand(t *testing.T) {
	rec := NewRecorder("TestNil")
	res := Run(rec, time.Minute, nil)
	p := Start(rec, nil)
	errs := rec.Close()
	if strings.Count(errs, "cmd is nil; pass one made by exec.Command") != 2 {
		t.Errorf("errors %q", errs)
	}
	if res.Err == nil || res.ExitCode != -1 || res.JSON() != nil {
		t.Errorf("Run: %v", res)
	}
	if p.Pid() != 0 || p.ExitCode() != 127 || p.Result().Err == nil {
		t.Errorf("Start: pid %d, exit code %d, %v", p.Pid(), p.ExitCode(), p.Result())
	}
	if r := p.Wait(time.Second); r != p.Result() {
		t.Errorf("Wait of a Process that never started: %v", r)
	}
}

// A negative timeout is an error: Run starts nothing, Process.Wait tears
// the tree down at once (as Stop) and fails the test. Before, it meant
// "no timeout".
func TestNegativeTimeout(t *testing.T) {
	r := listen(t)
	rec := NewRecorder("TestNegative")
	cmd := fixtures.Command("sleeper")
	r.Attach(cmd)
	res := Run(rec, -time.Second, cmd)
	if errs := rec.Close(); !strings.Contains(errs, "negative timeout -1s; pass 0 to wait until the test's deadline") || res.Err == nil {
		t.Errorf("Run: errors %q, %v", errs, res)
	}
	if rep := r.Reports(); len(rep) != 0 {
		t.Errorf("Run started %v", rep)
	}

	rec = NewRecorder("TestNegativeWait")
	p := Start(rec, fixtures.Command("sleeper"))
	<-p.Buffer().Detect("ready")
	res = p.Wait(-time.Millisecond)
	if errs := rec.Close(); !strings.Contains(errs, "Wait(-1ms)") || !strings.Contains(errs, "negative timeout") {
		t.Errorf("Wait: errors %q", errs)
	}
	if res.TimedOut || res.Signal != syscall.SIGTERM || len(res.Survivors) > 0 {
		t.Errorf("Wait(-1ms) should stop the tree: %v", res)
	}
}

// Wait(0) and Run(t, 0, cmd) wait until the test's deadline (less the
// grace and a slice for reporting), then tear the tree down as a timeout.
// (A sleeper never exits: without the deadline Run would not return,
// so a timed-out Result is the proof; no wall-clock bound is asserted.)
func TestZeroTimeoutMeansTheDeadline(t *testing.T) {
	rec := NewRecorder("TestZero")
	rec.Deadline = time.Now().Add(2 * time.Second)
	res := Run(rec, 0, fixtures.Command("sleeper"), WithGrace(100*time.Millisecond))
	if errs := rec.Close(); errs != "" || !res.TimedOut {
		t.Errorf("errors %q, %v", errs, res)
	}
}

// A Stdin that never ends (an io.Pipe nobody closes) does not hold up
// Wait: it returns when the root exits, reports its exit, and the one
// goroutine that reads the Stdin ends once the writer is closed. Before,
// Wait(30s) took 34s, reported timed_out and leaked two goroutines.
// (With plain os/exec, Wait never returns: golang/go#10338.)
func TestStdinThatNeverEnds(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	pr, pw := io.Pipe()
	cmd := fixtures.Command("exit", "3")
	cmd.Stdin = pr
	res := Run(t, waittest.Scale(30*time.Second), cmd)
	if res.TimedOut || res.ExitCode != 3 {
		t.Errorf("%v", res)
	}
	pw.Close()
}

// A cmd that was started already is refused, as os/exec refuses it.
func TestStartedCommand(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	rec := NewRecorder("TestStarted")
	res := Run(rec, time.Minute, cmd)
	if errs := rec.Close(); !strings.Contains(errs, "already started") || res.Err == nil {
		t.Errorf("errors %q, %v", errs, res)
	}
}

// The processes a root left behind are logged when the teardown removes
// them, one line per process, as the leak report names its processes. Before, Start removed them without a word.
func TestLeftoversAreLogged(t *testing.T) {
	r := listen(t)
	rec := NewRecorder("TestLeftovers")
	cmd := fixtures.Command("orphans")
	r.Attach(cmd)
	res := Run(rec, waittest.Scale(time.Minute), cmd)
	if errs := rec.Close(); errs != "" || len(res.Leftovers) == 0 {
		t.Fatalf("errors %q, %v", errs, res)
	}
	logs := strings.Join(rec.Logs(), "\n")
	if !strings.Contains(logs, "exited leaving") || strings.Count(logs, "\n\tpid ") != len(res.Leftovers) ||
		!strings.Contains(logs, "(started by TestLeftovers)") {
		t.Errorf("%d leftovers, logged:\n%s", len(res.Leftovers), logs)
	}
}

// envLeftoverLine runs TestLeftoversLogLine inside
// TestLeftoversLogPointsAtTheTest.
const envLeftoverLine = "SYSPRIMS_TEST_LEFTOVER_LINE"

// The leftovers line is logged at the test's call, as t.Helper promises:
// it pointed into sync.Once (once.go:78), which is no helper.
func TestLeftoversLogPointsAtTheTest(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeftoversLogLine$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), envLeftoverLine+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child test failed: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "exited leaving") {
			if !strings.HasPrefix(strings.TrimSpace(line), "badinput_test.go:") {
				t.Errorf("the leftovers line points elsewhere than the test:\n%s", line)
			}
			return
		}
	}
	t.Errorf("no leftovers line in:\n%s", out)
}

// TestLeftoversLogLine is the body of TestLeftoversLogPointsAtTheTest.
func TestLeftoversLogLine(t *testing.T) {
	if os.Getenv(envLeftoverLine) == "" {
		t.Skip("runs only inside TestLeftoversLogPointsAtTheTest")
	}
	r := listen(t)
	cmd := fixtures.Command("orphans")
	r.Attach(cmd)
	if res := Run(t, waittest.Scale(time.Minute), cmd); len(res.Leftovers) == 0 {
		t.Errorf("no leftovers: %v", res)
	}
}
