package plain_test

import (
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// TestMain enters a fixture when the binary was re-executed as one;
// otherwise it runs the tests, then fails the binary if a process they
// started is still alive, naming it; WithGoroutines checks goroutines too.
func TestMain(m *testing.M) {
	fixtures.Main()
	sysprimstest.VerifyTestMain(m, sysprimstest.WithGoroutines())
}

// A command that should finish: Run waits for it, tears down whatever it
// left behind and returns the outcome.
func TestRunABuildStep(t *testing.T) {
	res := sysprimstest.Run(t, 30*time.Second, fixtures.Command("echo", "build", "ok"))
	if res.ExitCode != 0 || string(res.Stdout) != "build ok\n" {
		t.Fatalf("build: %v, stdout %q", res, res.Stdout)
	}
	t.Logf("build: %v", res)
}

// A command that hangs: the timeout is reported in the Result, not as a
// failure, so the test decides.
func TestRunTimesOut(t *testing.T) {
	res := sysprimstest.Run(t, 200*time.Millisecond, fixtures.Command("sleeper"))
	if !res.TimedOut || len(res.Survivors) != 0 {
		t.Fatalf("want a timeout and no survivors, got %v", res)
	}
}

// A command that exits by itself but leaves children behind: Run removes
// them and lists them in Leftovers.
func TestRunRemovesWhatTheCommandLeft(t *testing.T) {
	res := sysprimstest.Run(t, 30*time.Second, fixtures.Command("orphans"))
	if res.ExitCode != 0 || len(res.Survivors) != 0 {
		t.Fatalf("orphans: %v", res)
	}
	t.Logf("removed %d leftover(s): %v", len(res.Leftovers), res)
}

// A server: Start returns at once; the test waits for its readiness line
// on the captured output and talks to it. Its whole tree is torn down at
// t.Cleanup.
func TestStartAServer(t *testing.T) {
	sysprimstest.VerifyNoLeaks(t)                                // first, so its check runs after every other cleanup
	srv := sysprimstest.Start(t, fixtures.Command("grandchild")) // root → child → grandchild
	select {
	case <-srv.Buffer().Detect("ready"):
		srv.Buffer().CancelDetects()
	case <-time.After(30 * time.Second):
		t.Fatalf("not ready; output so far %q", srv.Buffer().Contents())
	}
	members, err := srv.Members()
	if err != nil || len(members) != 3 {
		t.Fatalf("members: %v, %v", members, err)
	}
	for _, m := range members {
		t.Log(m)
	}
}

// Stop tears the tree down early and reports how.
func TestStopAServer(t *testing.T) {
	srv := sysprimstest.Start(t, fixtures.Command("sleeper"))
	res := srv.Stop()
	if len(res.Survivors) != 0 {
		t.Fatalf("survivors: %v", res.Survivors)
	}
	t.Logf("stopped: %v", res)
}
