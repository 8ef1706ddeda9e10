package timeout

import (
	"bytes"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// Matrix timings: how long a blocking scenario runs after it is ready, the
// grace period, and the bound on pipe copying.
const (
	matrixTimeout   = 300 * time.Millisecond
	matrixGrace     = 300 * time.Millisecond
	matrixWaitDelay = 300 * time.Millisecond
	// matrixSlack bounds the rest of a teardown (escalation, reaping);
	// it is scaled with waittest.Scale.
	matrixSlack = 3 * time.Second
)

// matrixResult is what one scenario run left behind.
type matrixResult struct {
	outcome   Outcome
	survivors []fixtures.Report // alive after the teardown, per the fixtures
	took      time.Duration     // Wait's duration
}

// TestLeakMatrix runs every fixture scenario through the engine with every
// mechanism available here and checks, independently of the engine, that
// nothing survives the teardown.
func TestLeakMatrix(t *testing.T) {
	total := runMatrix(t, 1)
	t.Logf("survivors on guaranteed mechanisms: %d", total)
}

// TestLeakMatrixLong repeats the matrix 20 times (SYSPRIMS_LONG=1).
func TestLeakMatrixLong(t *testing.T) {
	if os.Getenv("SYSPRIMS_LONG") == "" || testing.Short() {
		t.Skip("set SYSPRIMS_LONG=1 to repeat the leak matrix 20 times")
	}
	total := runMatrix(t, 20)
	t.Logf("survivors on guaranteed mechanisms over 20 rounds: %d", total)
}

// runMatrix runs the matrix rounds times and returns the number of
// survivors seen with guaranteed mechanisms.
func runMatrix(t *testing.T, rounds int) int {
	var total atomic.Int64
	for _, m := range mechanisms {
		t.Run(string(m), func(t *testing.T) {
			if ok, why := available(m); !ok {
				t.Skipf("%s unavailable on this machine: %s", m, why)
			}
			for _, sc := range fixtures.Scenarios() {
				t.Run(sc.Name, func(t *testing.T) {
					t.Parallel()
					for range rounds {
						total.Add(int64(checkScenario(t, sc, m)))
					}
				})
			}
		})
	}
	return int(total.Load())
}

// checkScenario runs sc once with mechanism m and judges the result. It
// returns the survivor count when m is guaranteed.
func checkScenario(t *testing.T, sc fixtures.Scenario, m platform.Mechanism) int {
	t.Helper()
	r := runScenario(t, sc, m)
	o := r.outcome
	checkSchema(t, o)
	if o.Error != "" {
		t.Errorf("%s/%s: teardown error: %s", m, sc.Name, o.Error)
	}
	if o.Mechanism != m || o.GroupingEffective != string(m) || o.GroupingRequested != string(m) {
		t.Errorf("mechanism %q effective %q requested %q, want %q", o.Mechanism, o.GroupingEffective, o.GroupingRequested, m)
	}
	if bound := matrixTimeout + matrixGrace + waittest.Scale(matrixSlack); r.took > bound {
		t.Errorf("Wait took %v, want under %v", r.took, bound)
	}
	if m == platform.MechanismProcessGroup {
		checkBestEffort(t, sc, r)
		return 0
	}
	if o.TreeKillReliability != platform.Guaranteed {
		t.Errorf("reliability %q with %s, want guaranteed", o.TreeKillReliability, m)
	}
	if len(r.survivors) > 0 || len(o.Survivors) > 0 {
		t.Errorf("%s/%s: survivors (fixtures) %v, survivors (engine) %v", m, sc.Name, r.survivors, o.Survivors)
	}
	return len(r.survivors)
}

// checkBestEffort judges a process-group run: escapes may survive, but
// the outcome must say best_effort and name them.
func checkBestEffort(t *testing.T, sc fixtures.Scenario, r matrixResult) {
	t.Helper()
	if r.outcome.TreeKillReliability != platform.BestEffort {
		t.Errorf("reliability %q with the process group alone, want best_effort", r.outcome.TreeKillReliability)
	}
	if len(r.survivors) == 0 {
		return
	}
	t.Logf("best_effort %s: %d escaped the process group: %v", sc.Name, len(r.survivors), r.survivors)
	if sc.Escape == "" {
		t.Errorf("%s has no escape, yet %v survived", sc.Name, r.survivors)
	}
}

// runScenario starts sc through the engine, waits for it to be ready,
// lets it run for matrixTimeout (or to completion), and collects what the
// fixtures see alive afterwards, killing it by pid.
func runScenario(t *testing.T, sc fixtures.Scenario, m platform.Mechanism) matrixResult {
	t.Helper()
	rep, err := fixtures.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer closeReporter(t, rep)
	cmd := fixtures.Command(sc.Name, sc.Args...)
	rep.Attach(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cfg := Config{Mechanism: m, Require: true, Grace: matrixGrace, WaitDelay: matrixWaitDelay}
	tr, err := Start(cmd, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rep.Await(sc.Processes, waittest.Scale(20*time.Second)); err != nil {
		o := tr.Stop()
		t.Fatalf("%s not ready: %v (outcome %+v, output %q)", sc.Name, err, o, out.String())
	}
	begin := time.Now()
	o := tr.Wait(matrixTimeout)
	return matrixResult{outcome: o, survivors: rep.Alive(), took: time.Since(begin)}
}

// closeReporter kills whatever is left of a scenario and closes rep.
func closeReporter(t *testing.T, rep *fixtures.Reporter) {
	rep.KillAll()
	if left := rep.Alive(); len(left) > 0 {
		t.Errorf("still alive after KillAll: %v", left)
	}
	if err := rep.Close(); err != nil {
		t.Errorf("closing the reporter: %v", err)
	}
}
