//go:build unix

package sysprimstest

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"github.com/3leaps/sysprims-go/process"
)

func TestSignalAndTerminateTree(t *testing.T) {
	for _, pid := range []int{0, -1, 1, os.Getpid(), os.Getppid()} {
		if err := Signal(pid, 0); err == nil {
			t.Errorf("Signal(%d) accepted", pid)
		}
	}
	rec := NewRecorder("TestTerminate")
	if res := TerminateTree(rec, 1); res.Err == nil || !rec.Failed() {
		t.Errorf("TerminateTree(1) accepted: %v", res)
	}

	r := listen(t)
	cmd := fixtures.Command("ignore-term")
	r.Attach(cmd)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	if _, err := r.Await(3, waittest.Scale(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := Signal(cmd.Process.Pid, syscall.SIGCONT); err != nil {
		t.Errorf("Signal: %v", err)
	}
	res := TerminateTree(t, cmd.Process.Pid, WithGrace(100*time.Millisecond))
	if len(res.Survivors) > 0 || res.Reliability != process.BestEffort || res.Mechanism != process.MechanismNamedTree {
		t.Errorf("TerminateTree: %v", res)
	}
	checkJSON(t, res)
	assertGoneWithin(t, r, time.Second)
}

// TestSignalOwnTree signals the root of a tree this binary started: the
// test names it, and it lies in one of the binary's own containers.
func TestSignalOwnTree(t *testing.T) {
	p := Start(t, fixtures.Command("sleeper"))
	<-p.Buffer().Detect("ready")
	p.Buffer().CancelDetects()
	if err := Signal(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatalf("Signal of the root of an own tree: %v", err)
	}
	if res := p.Wait(waittest.Scale(10 * time.Second)); res.Signal != syscall.SIGKILL {
		t.Errorf("root not killed by the named signal: %v", res)
	}
}

// envWrapped runs TestWrappedTerminate, in a child test binary that
// carries markers of another run, as under sysprims-leakcheck run.
const envWrapped = "SYSPRIMS_TEST_WRAPPED"

// wrapperMarkers are the markers a wrapper hands down to a whole CI job.
var wrapperMarkers = []string{owner.EnvRunID + "=0badc0de", owner.EnvTreeID + "=0badc0de-1"}

// TestTerminateTreeUnderWrapper runs TestWrappedTerminate in a child
// test binary whose environment carries a wrapper's markers, next to a
// sibling (another package's test binary, say) that carries them too:
// TerminateTree of a plain child must kill that child's tree alone.
func TestTerminateTreeUnderWrapper(t *testing.T) {
	sib := exec.Command("sleep", "300")
	sib.Env = append(os.Environ(), wrapperMarkers...)
	if err := sib.Start(); err != nil {
		t.Fatal(err)
	}
	defer sib.Wait()
	defer sib.Process.Kill()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWrappedTerminate$", "-test.v", "-test.count=1")
	cmd.Env = append(append(os.Environ(), wrapperMarkers...), envWrapped+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestWrappedTerminate") {
		t.Errorf("the wrapped test failed: %v\n%s", err, out)
	}
	if p, err := proc.Get(sib.Process.Pid, proc.Options{}); err != nil || p.State.Gone() {
		t.Errorf("the sibling carrying the wrapper's markers was killed: %v %v", p.State, err)
	}
}

// TestWrappedTerminate is the body of TestTerminateTreeUnderWrapper.
func TestWrappedTerminate(t *testing.T) {
	if os.Getenv(envWrapped) == "" {
		t.Skip("runs only inside TestTerminateTreeUnderWrapper")
	}
	if err := Signal(os.Getppid(), 0); !errors.Is(err, signal.ErrInvalidPID) {
		t.Fatalf("Signal of the parent (the wrapper's job) = %v", err)
	}
	rec := NewRecorder("TestWrapped")
	if res := TerminateTree(rec, os.Getppid()); !errors.Is(res.Err, owner.ErrProtected) {
		t.Fatalf("TerminateTree of the parent = %v", res)
	}
	r := listen(t)
	cmd := fixtures.Command("grandchild")
	r.Attach(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	if _, err := r.Await(3, waittest.Scale(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	res := TerminateTree(t, cmd.Process.Pid, WithGrace(time.Second))
	if len(res.Survivors) > 0 {
		t.Errorf("survivors: %v", res)
	}
	assertGoneWithin(t, r, time.Second)
}
