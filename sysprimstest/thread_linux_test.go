package sysprimstest

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc/proctest"
)

// envThread runs TestNameOwnThread in a child test binary.
const envThread = "SYSPRIMS_TEST_OWN_THREAD"

// TestNameOwnThread is the body of TestNamedThreadIsRefused.
func TestNameOwnThread(t *testing.T) {
	if os.Getenv(envThread) == "" {
		t.Skip("runs only inside TestNamedThreadIsRefused")
	}
	child := exec.Command("sleep", "300")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	defer func() { child.Process.Kill(); <-exited }()
	tid := proctest.OtherThread(t)
	if err := Signal(tid, 0); err == nil {
		t.Errorf("Signal(thread %d of the test process, 0) was accepted", tid)
	}
	rec := NewRecorder("TestThread")
	TerminateTree(rec, tid, WithGrace(time.Second))
	if errs := rec.Close(); errs == "" {
		t.Errorf("TerminateTree(thread %d of the test process) did not fail the test", tid)
	}
	select {
	case err := <-exited:
		exited <- err // for the deferred cleanup
		t.Errorf("TerminateTree(a thread of the test process) ended the test's own child: %v", err)
	default:
	}
}

// TestNamedThreadIsRefused names a thread of the test process, which /proc
// answers for as if it were a process, from a test binary whose standard
// streams are files (no pipe makes the thread look like a pipeline
// partner). Before, the guard took it; TerminateTree walked the children
// of the whole process from it and sent the test's own child SIGTERM, and
// Signal reached kill(2) of the whole process where pidfd_open says
// EINVAL (kernels 5.3 to 6.8).
func TestNamedThreadIsRefused(t *testing.T) {
	out, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestNameOwnThread$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), envThread+"=1")
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	b, _ := os.ReadFile(out.Name())
	if err != nil {
		t.Errorf("%v:\n%s", err, b)
	}
}
