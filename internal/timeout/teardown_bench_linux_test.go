package timeout

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// benchGrace is the grace period of the teardown benchmarks.
const benchGrace = 200 * time.Millisecond

// The teardown benchmarks time Stop() of a 100-process tree, from the call
// to its return, and in the same loop iteration the floor: killpg of an
// identical tree until a pidfd of every member reports its exit (pidfds
// opened before the clock starts). Pairing the two in one iteration keeps
// the comparison meaningful on a busy machine. Metrics:
//
//	ms-stop             Stop(), call to return
//	ms-floor            killpg(SIGTERM) until every pidfd reports exit
//	ms-over-floor       median over iterations of (stop - floor)
//	ms-signal-to-empty  the engine's first signal to its empty container
//
// For trees that ignore SIGTERM the floor is killpg(SIGKILL) (what is left
// after the grace) and the target is grace + 20 ms; ms-over-grace is the
// median of (stop - grace), and ms-over-grace+floor that of (stop - grace
// - floor): what the engine adds to the kernel's own time to kill.

// BenchmarkTeardown100_HonoursTerm times Stop of 100 processes that exit
// on SIGTERM, against the killpg floor (target: floor + 10 ms).
func BenchmarkTeardown100_HonoursTerm(b *testing.B) {
	forEachMechanism(b, func(b *testing.B, m platform.Mechanism) { benchPaired(b, m, fixtureTree("tree")) })
	b.Run("sleep-tree", func(b *testing.B) {
		forEachMechanism(b, func(b *testing.B, m platform.Mechanism) { benchPaired(b, m, sleepTreeKind(false)) })
	})
}

// BenchmarkTeardown100_IgnoresTerm is the same for 100 processes that
// ignore SIGTERM, so SIGKILL follows the grace period (target: grace +
// 20 ms).
func BenchmarkTeardown100_IgnoresTerm(b *testing.B) {
	forEachMechanism(b, func(b *testing.B, m platform.Mechanism) { benchPaired(b, m, fixtureTree("tree-ignore-term")) })
	b.Run("sleep-tree", func(b *testing.B) {
		forEachMechanism(b, func(b *testing.B, m platform.Mechanism) { benchPaired(b, m, sleepTreeKind(true)) })
	})
}

// treeKind builds one kind of 100-process tree, through the engine or as a
// plain process group for the floor.
type treeKind struct {
	ignoresTerm bool
	// start starts the tree with cmd's process in its own group (the
	// floor) or, when m is set, through the engine; it returns the live
	// members once all are in place, and a cleanup.
	start func(b *testing.B, m platform.Mechanism) (tr *Tree, cmd *exec.Cmd, pids []int, done func())
}

// sleepTree is a 100-process tree of small C programs (sh and 99 sleeps),
// which exit far faster than Go fixture processes: it shows the cost of
// the mechanism rather than of process exit. It prints "ready" once every
// sleep is forked.
const sleepTree = `for i in $(seq 99); do sleep 300 & done; echo ready; exec sleep 300`

// sleepTreeKind is the sleepTree, optionally ignoring SIGTERM (inherited
// by every sleep).
func sleepTreeKind(ignore bool) treeKind {
	script := sleepTree
	if ignore {
		script = `trap "" TERM; ` + sleepTree
	}
	return treeKind{ignoresTerm: ignore, start: func(b *testing.B, m platform.Mechanism) (*Tree, *exec.Cmd, []int, func()) {
		cmd := exec.Command("sh", "-c", script)
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		tr := startBenchTree(b, m, cmd)
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
			abortBenchTree(tr, cmd)
			b.Fatalf("sleep tree said %q, %v", line, err)
		}
		if tr != nil {
			return tr, cmd, nil, func() {}
		}
		pids := groupMembers(b, cmd.Process.Pid)
		if len(pids) != 100 {
			abortBenchTree(tr, cmd)
			b.Fatalf("sleep tree has %d members, want 100", len(pids))
		}
		return tr, cmd, pids, func() {}
	}}
}

// fixtureTree is a 100-process tree of Go fixture processes that report
// themselves to a fixtures.Reporter.
func fixtureTree(name string) treeKind {
	return treeKind{ignoresTerm: name == "tree-ignore-term", start: func(b *testing.B, m platform.Mechanism) (*Tree, *exec.Cmd, []int, func()) {
		rep, err := fixtures.Listen()
		if err != nil {
			b.Fatal(err)
		}
		cmd := fixtures.Command(name, "100")
		rep.Attach(cmd)
		tr := startBenchTree(b, m, cmd)
		rs, err := rep.Await(100, waittest.Scale(60*time.Second))
		if err != nil {
			abortBenchTree(tr, cmd)
			rep.KillAll()
			b.Fatal(err)
		}
		return tr, cmd, reportPids(rs), func() {
			if left := rep.Alive(); len(left) > 0 {
				b.Errorf("fixtures alive after the teardown: %v", left)
			}
			rep.KillAll()
			if err := rep.Close(); err != nil {
				b.Error(err)
			}
		}
	}}
}

// startBenchTree starts cmd through the engine with m, or in a process
// group of its own when m is "".
func startBenchTree(b *testing.B, m platform.Mechanism, cmd *exec.Cmd) *Tree {
	if m == "" {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		return nil
	}
	tr, err := Start(cmd, Config{Mechanism: m, Require: true, Grace: benchGrace})
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

// abortBenchTree kills a tree that did not get ready.
func abortBenchTree(tr *Tree, cmd *exec.Cmd) {
	if tr != nil {
		tr.Stop()
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
}

// benchPaired times, per iteration, the floor on one tree of kind k and
// Stop() with mechanism m on another.
func benchPaired(b *testing.B, m platform.Mechanism, k treeKind) {
	var stops, floors, toEmpty []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		floors = append(floors, floorOnce(b, k))
		tr, _, _, done := k.start(b, m)
		b.StartTimer()
		begin := time.Now()
		o := tr.Stop()
		d := time.Since(begin)
		b.StopTimer()
		stops, toEmpty = append(stops, d), append(toEmpty, tr.emptied.Sub(tr.signalled))
		if len(o.Survivors) > 0 || o.Error != "" {
			b.Errorf("survivors %v, error %q", o.Survivors, o.Error)
		}
		done()
		b.StartTimer()
	}
	reportPaired(b, k, stops, floors, toEmpty)
}

// reportPaired reports the metrics described at the top of this file.
func reportPaired(b *testing.B, k treeKind, stops, floors, toEmpty []time.Duration) {
	b.ReportMetric(meanMs(stops), "ms-stop")
	b.ReportMetric(meanMs(toEmpty), "ms-signal-to-empty")
	if k.ignoresTerm {
		b.ReportMetric(meanMs(floors), "ms-kill-floor")
		b.ReportMetric(medianMs(stops, func(int) time.Duration { return benchGrace }), "ms-over-grace")
		b.ReportMetric(medianMs(stops, func(i int) time.Duration { return benchGrace + floors[i] }), "ms-over-grace+floor")
		return
	}
	b.ReportMetric(meanMs(floors), "ms-floor")
	b.ReportMetric(medianMs(stops, func(i int) time.Duration { return floors[i] }), "ms-over-floor")
}

// floorOnce starts a tree of kind k in its own process group, opens a
// pidfd for every member, then times killpg (SIGTERM, or SIGKILL for a
// tree that ignores it) until every pidfd reports exit.
func floorOnce(b *testing.B, k treeKind) time.Duration {
	_, cmd, pids, done := k.start(b, "")
	defer done()
	fds := openPidfds(b, pids)
	sig := syscall.SIGTERM
	if k.ignoresTerm {
		sig = syscall.SIGKILL
	}
	begin := time.Now()
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		b.Fatal(err)
	}
	left := awaitPidfds(fds, waittest.Scale(10*time.Second))
	d := time.Since(begin)
	if left > 0 {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		b.Errorf("%d members still alive after killpg", left)
	}
	_ = cmd.Wait() // ended by the signal: the error says so
	return d
}

// openPidfds opens a pidfd for each pid.
func openPidfds(b *testing.B, pids []int) []int {
	fds := make([]int, 0, len(pids))
	for _, pid := range pids {
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			b.Fatalf("pidfd of %d: %v", pid, err)
		}
		fds = append(fds, fd)
	}
	return fds
}

// awaitPidfds polls fds until each reports its process's exit, or d has
// passed, closes them and returns how many had not.
func awaitPidfds(fds []int, d time.Duration) int {
	deadline := time.Now().Add(d)
	pfds := make([]unix.PollFd, len(fds))
	for i, fd := range fds {
		pfds[i] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	}
	for len(pfds) > 0 && time.Now().Before(deadline) {
		if _, err := unix.Poll(pfds, int(time.Until(deadline)/time.Millisecond)+1); err != nil && !errors.Is(err, unix.EINTR) {
			break
		}
		pfds = slices.DeleteFunc(pfds, func(p unix.PollFd) bool {
			if p.Revents != 0 {
				unix.Close(int(p.Fd))
			}
			return p.Revents != 0
		})
	}
	for _, p := range pfds {
		unix.Close(int(p.Fd))
	}
	return len(pfds)
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

func meanMs(ds []time.Duration) float64 {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return float64(sum.Microseconds()) / 1000 / float64(max(len(ds), 1))
}

// medianMs is the median of ds[i] - base(i), in ms.
func medianMs(ds []time.Duration, base func(int) time.Duration) float64 {
	diffs := make([]time.Duration, len(ds))
	for i, d := range ds {
		diffs[i] = d - base(i)
	}
	slices.Sort(diffs)
	return float64(diffs[len(diffs)/2].Microseconds()) / 1000
}

// BenchmarkRunDaemon times Run of a root that exits at once and leaves a
// daemon holding its output pipe: from the root's exit (its own pipe to
// the benchmark closes) to Wait's return (target: 50 ms; before the
// engine returned at the root's exit this was the WaitDelay, 1 s).
func BenchmarkRunDaemon(b *testing.B) {
	forEachMechanism(b, func(b *testing.B, m platform.Mechanism) {
		var after []time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			d, o := runDaemonOnce(b, m)
			after = append(after, d)
			if len(o.Leftovers) != 1 || len(o.Survivors) > 0 || o.ExitCode != 0 || o.Error != "" {
				b.Errorf("outcome %+v, want exit 0 and one leftover", o)
			}
			b.StartTimer()
		}
		b.ReportMetric(meanMs(after), "ms-exit-to-return")
	})
}

// daemonScript leaves a sleep holding stdout and exits; fd 3, a pipe to
// the benchmark that only the root holds, closes at the root's exit.
const daemonScript = `sleep 300 3>&- & exit 0`

// runDaemonOnce starts daemonScript and times Wait from the root's exit.
func runDaemonOnce(b *testing.B, m platform.Mechanism) (time.Duration, Outcome) {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("sh", "-c", daemonScript)
	var out bytes.Buffer
	cmd.Stdout, cmd.ExtraFiles = &out, []*os.File{w}
	tr, err := Start(cmd, Config{Mechanism: m, Require: true, Grace: benchGrace})
	w.Close()
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, r) // EOF: the root has exited
	b.StartTimer()
	begin := time.Now()
	o := tr.Wait(0)
	d := time.Since(begin)
	b.StopTimer()
	return d, o
}
