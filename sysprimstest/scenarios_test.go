package sysprimstest

import (
	"runtime"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// guaranteedHere reports whether this machine should give guaranteed
// teardowns by default.
func guaranteedHere() bool { return runtime.GOOS == "linux" || runtime.GOOS == "windows" }

// listen starts a Reporter that the test closes and whose processes the
// test kills by pid, whatever the library did.
func listen(t *testing.T) *fixtures.Reporter {
	t.Helper()
	r, err := fixtures.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.KillAll(); r.Close() })
	return r
}

// assertGone fails t for every reported process still alive, checked by
// the fixtures' own scan rather than by this library.
func assertGone(t *testing.T, r *fixtures.Reporter) {
	t.Helper()
	if alive := r.Alive(); len(alive) > 0 {
		t.Errorf("%d process(es) survived: %v", len(alive), alive)
	}
}

// aliveMembers is r.Alive() without this library's helpers: a subreaper
// shim inherits the command's environment, reporter address included,
// and is counted as an unreported member otherwise.
func aliveMembers(r *fixtures.Reporter) []fixtures.Report {
	var out []fixtures.Report
	for _, rep := range r.Alive() {
		if p, err := proc.Get(rep.PID, proc.Options{Fields: proc.FieldMarkers}); err == nil && owner.IsHelper(p) {
			continue
		}
		out = append(out, rep)
	}
	return out
}

// TestRunScenarios runs every adversarial scenario through Run with a
// short timeout: nothing survives, and Run returns within timeout + grace
// + a margin even when a grandchild holds stdout.
func TestRunScenarios(t *testing.T) {
	const grace, margin = 300 * time.Millisecond, 2 * time.Second
	for _, sc := range fixtures.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			// every process comes up within it: 4 s, and 100 ms more a
			// process (51 -race processes on two busy cores take seconds)
			timeout := waittest.Scale(4*time.Second + time.Duration(sc.Processes)*100*time.Millisecond)
			r := listen(t)
			cmd := fixtures.Command(sc.Name, sc.Args...)
			r.Attach(cmd)
			start := time.Now()
			res := Run(t, timeout, cmd, WithGrace(grace))
			if took, bound := time.Since(start), timeout+grace+waittest.Scale(margin); took > bound {
				t.Errorf("Run took %v, want under %v", took, bound)
			}
			if _, err := r.Await(sc.Processes, waittest.Scale(5*time.Second)); err != nil {
				t.Errorf("not every process came up before the teardown: %v", err)
			}
			assertGone(t, r)
			if guaranteedHere() && res.Reliability != "guaranteed" {
				t.Errorf("reliability %q on %s (%s)", res.Reliability, runtime.GOOS, res.Mechanism)
			}
			if !sc.RootExits && !sc.HoldsStdout && !res.TimedOut {
				t.Errorf("a scenario that never exits did not time out: %v", res)
			}
		})
	}
}

// TestStartScenarios starts every scenario with Start and leaves the
// teardown to t.Cleanup alone.
func TestStartScenarios(t *testing.T) {
	for _, sc := range fixtures.Scenarios() {
		r := listen(t)
		t.Run(sc.Name, func(t *testing.T) {
			cmd := fixtures.Command(sc.Name, sc.Args...)
			r.Attach(cmd)
			Start(t, cmd, WithGrace(300*time.Millisecond))
			if _, err := r.Await(sc.Processes, waittest.Scale(20*time.Second)); err != nil {
				t.Error(err)
			}
		})
		assertGone(t, r)
	}
}
