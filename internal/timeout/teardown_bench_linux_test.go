package timeout

import (
	"bufio"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
)

// benchGrace is the grace period of the teardown benchmarks.
const benchGrace = 200 * time.Millisecond

// BenchmarkTeardown100_HonoursTerm measures, per mechanism, the time from
// the first signal to an empty tree for 100 processes that exit on
// SIGTERM (target: under 20 ms).
func BenchmarkTeardown100_HonoursTerm(b *testing.B) {
	forEachMechanism(b, func(b *testing.B, m platform.Mechanism) { benchTeardown(b, m, "tree") })
	b.Run("sleep-tree", func(b *testing.B) { forEachMechanism(b, benchTeardownSleep(false)) })
}

// BenchmarkTeardown100_IgnoresTerm is the same for 100 processes that
// ignore SIGTERM, so SIGKILL follows the grace period (target: under
// grace + 20 ms).
func BenchmarkTeardown100_IgnoresTerm(b *testing.B) {
	forEachMechanism(b, func(b *testing.B, m platform.Mechanism) { benchTeardown(b, m, "tree-ignore-term") })
	b.Run("sleep-tree", func(b *testing.B) { forEachMechanism(b, benchTeardownSleep(true)) })
}

// sleepTree is a 100-process tree of small C programs (sh and 99 sleeps),
// which exit far faster than Go fixture processes: it shows the cost of
// the mechanism rather than of process exit. It prints "ready" once every
// sleep is forked.
const sleepTree = `for i in $(seq 99); do sleep 300 & done; echo ready; exec sleep 300`

// benchTeardownSleep times Stop of a sleepTree, optionally ignoring
// SIGTERM (inherited by every sleep).
func benchTeardownSleep(ignore bool) func(b *testing.B, m platform.Mechanism) {
	script := sleepTree
	if ignore {
		script = `trap "" TERM; ` + sleepTree
	}
	return func(b *testing.B, m platform.Mechanism) {
		var toEmpty time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			tr := startSleepTree(b, m, script)
			b.StartTimer()
			o := tr.Stop()
			b.StopTimer()
			toEmpty += tr.emptied.Sub(tr.signalled)
			if len(o.Survivors) > 0 || o.Error != "" {
				b.Errorf("survivors %v, error %q", o.Survivors, o.Error)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(toEmpty.Microseconds())/1000/float64(b.N), "ms-signal-to-empty")
	}
}

// startSleepTree starts script through the engine and waits for "ready".
func startSleepTree(b *testing.B, m platform.Mechanism, script string) *Tree {
	cmd := exec.Command("sh", "-c", script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	tr, err := Start(cmd, Config{Mechanism: m, Require: true, Grace: benchGrace})
	if err != nil {
		b.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		tr.Stop()
		b.Fatalf("sleep tree said %q, %v", line, err)
	}
	return tr
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

// BenchmarkTeardown100_FloorSleepTree is the floor for the sleep-tree
// benchmarks: one killpg(SIGTERM) of a sleepTree in its own process
// group, then polling /proc for its members every 1 ms.
func BenchmarkTeardown100_FloorSleepTree(b *testing.B) {
	var toEmpty time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cmd := exec.Command("sh", "-c", sleepTree)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			b.Fatalf("sleep tree said %q, %v", line, err)
		}
		pids := groupMembers(b, cmd.Process.Pid)
		b.StartTimer()
		begin := time.Now()
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); err != nil {
			b.Fatal(err)
		}
		left := awaitGone(pids, 10*time.Second)
		toEmpty += time.Since(begin)
		b.StopTimer()
		if len(left) > 0 || len(pids) != 100 {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			b.Errorf("%d members, still alive: %v", len(pids), left)
		}
		_ = cmd.Wait() // killed by SIGTERM: the error says so
		b.StartTimer()
	}
	b.ReportMetric(float64(toEmpty.Microseconds())/1000/float64(b.N), "ms-signal-to-empty")
}

// groupMembers lists the live processes in process group pgid.
func groupMembers(b *testing.B, pgid int) []int {
	snap, err := proc.Snapshot(proc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var pids []int
	for _, p := range snap {
		if p.PGID == pgid && !p.State.Gone() {
			pids = append(pids, p.PID)
		}
	}
	return pids
}

func reportPids(rs []fixtures.Report) []int {
	pids := make([]int, len(rs))
	for i, r := range rs {
		pids[i] = r.PID
	}
	return pids
}
