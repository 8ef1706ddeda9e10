package timeout

import (
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
)

// benchGrace is the grace period of the teardown benchmarks.
const benchGrace = 200 * time.Millisecond

// BenchmarkTeardown100_HonoursTerm measures, per mechanism, the time from
// the first signal to an empty tree for 100 processes that exit on
// SIGTERM (target: under 20 ms).
func BenchmarkTeardown100_HonoursTerm(b *testing.B) {
	forEachMechanism(b, func(b *testing.B, m platform.Mechanism) { benchTeardown(b, m, "tree") })
}

// BenchmarkTeardown100_IgnoresTerm is the same for 100 processes that
// ignore SIGTERM, so SIGKILL follows the grace period (target: under
// grace + 20 ms).
func BenchmarkTeardown100_IgnoresTerm(b *testing.B) {
	forEachMechanism(b, func(b *testing.B, m platform.Mechanism) { benchTeardown(b, m, "tree-ignore-term") })
}

// benchTeardown builds the tree outside the timer, then times Stop and
// reports ms from the signal to empty and for the whole Stop.
func benchTeardown(b *testing.B, m platform.Mechanism, fixture string) {
	var toEmpty, stop time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		tr, rep := startTree(b, m, fixture)
		b.StartTimer()
		begin := time.Now()
		o := tr.Stop()
		stop += time.Since(begin)
		b.StopTimer()
		toEmpty += tr.emptied.Sub(tr.signalled)
		if left := rep.Alive(); len(left) > 0 || len(o.Survivors) > 0 {
			b.Errorf("survivors: fixtures %v, engine %v", left, o.Survivors)
		}
		rep.KillAll()
		if err := rep.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(toEmpty.Microseconds())/1000/float64(b.N), "ms-signal-to-empty")
	b.ReportMetric(float64(stop.Microseconds())/1000/float64(b.N), "ms-stop")
}

// startTree starts a 100-process fixture tree and waits until it is ready.
func startTree(b *testing.B, m platform.Mechanism, fixture string) (*Tree, *fixtures.Reporter) {
	rep, err := fixtures.Listen()
	if err != nil {
		b.Fatal(err)
	}
	cmd := fixtures.Command(fixture, "100")
	rep.Attach(cmd)
	tr, err := Start(cmd, Config{Mechanism: m, Require: true, Grace: benchGrace})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := rep.Await(100, 60*time.Second); err != nil {
		tr.Stop()
		rep.KillAll()
		b.Fatal(err)
	}
	return tr, rep
}

// BenchmarkTeardown100_Floor measures the floor the engine is judged
// against: one killpg(SIGTERM) of a 100-process tree in its own process
// group, then polling /proc for the reported pids every 1 ms.
func BenchmarkTeardown100_Floor(b *testing.B) {
	var toEmpty time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		rep, err := fixtures.Listen()
		if err != nil {
			b.Fatal(err)
		}
		cmd := fixtures.Command("tree", "100")
		rep.Attach(cmd)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		rs, err := rep.Await(100, 60*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		begin := time.Now()
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); err != nil {
			b.Fatal(err)
		}
		left := awaitGone(reportPids(rs), 10*time.Second)
		toEmpty += time.Since(begin)
		b.StopTimer()
		if len(left) > 0 {
			b.Errorf("still alive: %v", left)
		}
		_ = cmd.Wait() // killed by SIGTERM: the error says so
		rep.KillAll()
		if err := rep.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(toEmpty.Microseconds())/1000/float64(b.N), "ms-signal-to-empty")
}

func reportPids(rs []fixtures.Report) []int {
	pids := make([]int, len(rs))
	for i, r := range rs {
		pids[i] = r.PID
	}
	return pids
}
