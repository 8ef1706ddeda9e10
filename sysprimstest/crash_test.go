package sysprimstest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// envCrasher makes the test binary a "crasher": a test process that starts
// trees and then dies without running any cleanup. Its value is the way it
// dies: "kill" (it waits to be SIGKILLed) or "timeout" (go test -timeout
// panics in TestCrasherTimeout).
const envCrasher = "SYSPRIMS_TEST_CRASHER"

// crashTrees are the scenarios a crasher starts: each has processes that
// escape the root's group, session or parentage.
var crashTrees = []string{"grandchild", "setsid", "daemon"}

// crasherMain starts the crash trees outside any test and blocks on stdin
// until it is killed.
func crasherMain() int {
	rec := NewRecorder("crasher")
	startCrashTrees(rec)
	io.Copy(io.Discard, os.Stdin)
	return 0
}

func startCrashTrees(t TB) {
	for _, name := range crashTrees {
		Start(t, fixtures.Command(name))
	}
}

// TestCrasherTimeout is the body of a crasher killed by go test -timeout;
// it does nothing in a normal run.
func TestCrasherTimeout(t *testing.T) {
	if os.Getenv(envCrasher) != "timeout" {
		t.Skip("runs only inside TestCrashLeavesNothing")
	}
	startCrashTrees(t)
	io.Copy(io.Discard, os.Stdin)
}

// TestCrashLeavesNothing kills a test binary that started trees, by
// SIGKILL and by go test -timeout, and checks that its trees are gone a
// second later.
func TestCrashLeavesNothing(t *testing.T) {
	if !guaranteedHere() || runtime.GOOS == "windows" {
		t.Skipf("crash safety is best_effort on %s", runtime.GOOS)
	}
	expect := 0
	for _, sc := range fixtures.Scenarios() {
		for _, name := range crashTrees {
			if sc.Name == name {
				expect += sc.Processes
			}
		}
	}
	for _, mode := range []string{"kill", "timeout"} {
		t.Run(mode, func(t *testing.T) {
			r := listen(t)
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrasherTimeout$", "-test.timeout="+waittest.Scale(5*time.Second).String())
			cmd.Env = append(os.Environ(), envCrasher+"="+mode)
			r.Attach(cmd)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Await(expect, waittest.Scale(30*time.Second)); err != nil {
				cmd.Process.Kill()
				t.Fatal(err)
			}
			if mode == "kill" {
				cmd.Process.Signal(syscall.SIGKILL)
			}
			cmd.Wait()
			assertGoneWithin(t, r, time.Second)
		})
	}
}

// assertGoneWithin polls the fixtures' independent scan until nothing is
// alive or d has passed.
func assertGoneWithin(t *testing.T, r *fixtures.Reporter, d time.Duration) {
	t.Helper()
	waittest.Until(d, func() bool { return len(r.Alive()) == 0 })
	if alive := r.Alive(); len(alive) > 0 {
		t.Errorf("%d process(es) alive %v after the crash: %v", len(alive), d, fmt.Sprint(alive))
	}
}
