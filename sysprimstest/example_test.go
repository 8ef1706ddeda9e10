package sysprimstest_test

import (
	"fmt"
	"os/exec"
	"time"

	"github.com/3leaps/sysprims-go/sysprimstest"
)

// In a test, pass t; a Recorder stands in for it here.
func ExampleRun() {
	t := sysprimstest.NewRecorder("TestBuild")
	defer t.Close()

	res := sysprimstest.Run(t, 5*time.Second, exec.Command("sh", "-c", "echo built; exit 3"))
	fmt.Printf("exit %d, timed out %v, stdout %q\n", res.ExitCode, res.TimedOut, res.Stdout)
	fmt.Println("survivors:", len(res.Survivors))
	// Output:
	// exit 3, timed out false, stdout "built\n"
	// survivors: 0
}

func ExampleRun_timeout() {
	t := sysprimstest.NewRecorder("TestHang")
	defer t.Close()

	// The shell starts a grandchild that holds stdout and ignores SIGTERM:
	// Run still returns after timeout + grace, with the whole tree gone.
	cmd := exec.Command("sh", "-c", `sh -c 'trap "" TERM; sleep 60' & wait`)
	res := sysprimstest.Run(t, 200*time.Millisecond, cmd, sysprimstest.WithGrace(100*time.Millisecond))
	fmt.Println("timed out:", res.TimedOut, "survivors:", len(res.Survivors))
	// Output:
	// timed out: true survivors: 0
}

func ExampleStart() {
	t := sysprimstest.NewRecorder("TestServer")

	srv := sysprimstest.Start(t, exec.Command("sh", "-c", "echo ready; exec sleep 60"))
	select {
	case <-srv.Buffer().Detect("ready"):
	case <-srv.Exited(): // a server that fails to start must not hang the test
	}
	srv.Buffer().CancelDetects()
	fmt.Printf("running: %v, said %q\n", srv.ExitCode() == -1, srv.Buffer().Contents())

	// At the end of the test (here: Close) the whole tree is torn down.
	t.Close()
	fmt.Println("stopped; survivors:", len(srv.Result().Survivors))
	// Output:
	// running: true, said "ready\n"
	// stopped; survivors: 0
}

// tests stands in for *testing.M: its Run leaves a daemon behind.
type tests struct{}

func (tests) Run() int {
	t := sysprimstest.NewRecorder("TestDaemon")
	p := sysprimstest.Start(t, exec.Command("sh", "-c", "sleep 60 & echo started"))
	<-p.Buffer().Detect("started")
	return 0 // t.Close, and so the teardown, never runs: a leak
}

// In a TestMain, VerifyTestMain(m) runs the tests, checks, and exits;
// VerifyRun does the same but returns the exit code.
func ExampleVerifyRun() {
	code := sysprimstest.VerifyRun(tests{}) // the leak report goes to stderr
	fmt.Println("exit code:", code)
	// Output:
	// exit code: 1
}

// The gexec names: Kill, Terminate and Interrupt signal the root alone
// and return the Process; Exited is closed once the root has exited;
// ExitCode folds a signal into 128+n as gexec does, and ExitStatus and
// the Result read it exactly.
func ExampleProcess_Kill() {
	t := sysprimstest.NewRecorder("TestCrash")
	defer t.Close()

	p := sysprimstest.Start(t, exec.Command("sh", "-c", "sleep 60 >/dev/null 2>&1 & echo started; wait"))
	<-p.Buffer().Detect("started")
	p.Buffer().CancelDetects()
	<-p.Kill().Exited()
	code, sig, _ := p.ExitStatus()
	fmt.Println("ExitCode:", p.ExitCode(), "ExitStatus:", code, sig)

	res := p.Stop() // the sleep the shell left is torn down with the tree
	fmt.Println("killed by:", res.Signal, "left behind:", len(res.Leftovers), "survivors:", len(res.Survivors))
	// Output:
	// ExitCode: 137 ExitStatus: -1 killed
	// killed by: killed left behind: 1 survivors: 0
}
