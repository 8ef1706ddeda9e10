package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/proc/proctest"
	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// Bench holds the benchmark results (medians, in milliseconds).
type Bench struct {
	Processes int `json:"processes"` // in the process table during the snapshot runs
	// Snapshot: the floor (readdir /proc + one read of /proc/PID/stat
	// each, parsing the default snapshot's fields in place:
	// proctest.FloorParsed, for the snapshot reports them), sysprims-go with its default fields, and with cmdline and
	// markers (sysprimstest.SnapshotWith(FieldCmdline|FieldMarkers)).
	SnapshotFloorMs   float64     `json:"snapshot_floor_ms"`
	SnapshotMs        float64     `json:"snapshot_ms"`
	SnapshotMarkersMs float64     `json:"snapshot_cmdline_markers_ms"`
	RawRunMs          float64     `json:"raw_exec_true_ms"` // exec.Command("true").Run()
	TreeSize          int         `json:"tree_size"`        // processes in the teardown trees
	GraceMs           float64     `json:"grace_ms"`         // for the teardown of the tree ignoring SIGTERM
	Reps              int         `json:"reps"`             // snapshot and Run repetitions
	TreeReps          int         `json:"tree_reps"`        // teardowns per tree kind and mechanism
	Mechanisms        []MechBench `json:"mechanisms"`
	Notes             []string    `json:"notes,omitempty"` // how the rows were measured, where not as asked
	Problems          []string    `json:"problems,omitempty"`
}

// MechBench holds the numbers of one sysprims mechanism.
type MechBench struct {
	Mechanism   string  `json:"mechanism"`
	Reliability string  `json:"reliability"`
	User        string  `json:"user,omitempty"`             // who ran these rows, when not the program's user
	RawRunMs    float64 `json:"raw_exec_true_ms,omitempty"` // exec.Command("true").Run() in that user's run
	RunMs       float64 `json:"run_true_ms"`                // sysprimstest.Run of /bin/true
	HonourMs    float64 `json:"teardown_honour_ms"`         // Stop() of a tree that honours SIGTERM
	IgnoreMs    float64 `json:"teardown_ignore_ms"`         // Stop() of a tree that ignores it
}

// treeSize is the size of the teardown trees, as in the design targets.
const treeSize = 100

// benchmarks runs every benchmark for every mechanism this machine offers.
func benchmarks(ctx context.Context, o options, logf func(string, ...any)) *Bench {
	b := &Bench{Reps: o.n, TreeSize: treeSize, GraceMs: ms(o.grace), TreeReps: max(o.n/10, 3)}
	if o.benchMechanism == "" {
		logf("bench: snapshot")
		b.snapshots(max(o.n, 50))
	}
	b.RawRunMs = b.rawRun(o.n)
	for _, m := range platform.Probe().Mechanisms {
		if ctx.Err() != nil {
			break
		}
		if o.benchMechanism != "" && string(m) != o.benchMechanism {
			continue
		}
		if string(m) == unprivilegedMechanism && os.Geteuid() == 0 {
			if mb, ok := b.unprivileged(ctx, o, logf); ok {
				b.Mechanisms = append(b.Mechanisms, mb)
				continue
			}
		}
		logf("bench: %s: Run(/bin/true), teardown of %d-process trees", m, treeSize)
		b.Mechanisms = append(b.Mechanisms, b.mechanism(string(m), o.grace, o.n))
	}
	return b
}

// unprivileged measures the subreaper rows as an unprivileged user (see
// benchAsUser). When it cannot, it notes why, and the caller measures
// them as root.
func (b *Bench) unprivileged(ctx context.Context, o options, logf func(string, ...any)) (MechBench, bool) {
	u, err := unprivilegedUser(o.user)
	if u == nil {
		if err != nil {
			b.Notes = append(b.Notes, fmt.Sprintf("%s rows measured as root: no unprivileged user (%v); -user names one", unprivilegedMechanism, err))
		}
		return MechBench{}, false
	}
	logf("bench: %s as %s: Run(/bin/true), teardown of %d-process trees", unprivilegedMechanism, u.Username, treeSize)
	mb, err := benchAsUser(ctx, u, unprivilegedMechanism, o)
	if err != nil && mb.Mechanism == "" {
		b.Notes = append(b.Notes, fmt.Sprintf("%s rows measured as root: %v", unprivilegedMechanism, err))
		return MechBench{}, false
	}
	if err != nil {
		b.Problems = append(b.Problems, err.Error())
	}
	return mb, true
}

// mechanism measures Run and teardown with mechanism m.
func (b *Bench) mechanism(m string, grace time.Duration, n int) MechBench {
	mb := MechBench{Mechanism: m, Reliability: string(platform.ReliabilityOf(platform.Mechanism(m)))}
	mb.RunMs = b.sysprimsRun(m, n)
	mb.HonourMs = b.teardown("tree", m, grace, b.TreeReps)
	mb.IgnoreMs = b.teardown("tree-ignore-term", m, grace, b.TreeReps)
	return mb
}

// snapshots times the floor and the sysprims snapshots, interleaved.
func (b *Bench) snapshots(n int) {
	var floor, def, full []time.Duration
	for range n {
		floor = append(floor, timed(func() { b.Processes, _ = proctest.FloorParsed() }))
		def = append(def, timed(func() { mustSnap(proc.Snapshot(proc.Options{})) }))
		full = append(full, timed(func() { mustSnap(sysprimstest.SnapshotWith(sysprimstest.FieldCmdline | sysprimstest.FieldMarkers)) }))
	}
	b.SnapshotFloorMs, b.SnapshotMs, b.SnapshotMarkersMs = median(floor), median(def), median(full)
}

func mustSnap(ps []proc.ProcessInfo, err error) {
	if err != nil || len(ps) == 0 {
		panic(fmt.Sprintf("compare: snapshot failed: %v", err))
	}
}

// rawRun times /bin/true through a raw exec.Cmd Start+Wait.
func (b *Bench) rawRun(n int) float64 {
	bin, err := exec.LookPath("true")
	if err != nil {
		b.Problems = append(b.Problems, "bench: no `true` on PATH")
		return 0
	}
	var ds []time.Duration
	for range n {
		ds = append(ds, timed(func() { _ = exec.Command(bin).Run() }))
	}
	return median(ds)
}

// sysprimsRun times /bin/true through sysprimstest.Run with mechanism m.
func (b *Bench) sysprimsRun(m string, n int) float64 {
	bin, err := exec.LookPath("true")
	if err != nil {
		return 0
	}
	var ds []time.Duration
	for range n {
		var res *sysprimstest.Result
		ds = append(ds, timed(func() {
			res = sysprimstest.Run(sysprimstest.NewRecorder("bench"), 10*time.Second, exec.Command(bin), sysprimstest.WithMechanism(process.Mechanism(m)))
		}))
		if string(res.Mechanism) != m || res.ExitCode != 0 {
			b.Problems = append(b.Problems, fmt.Sprintf("bench: Run with %s: %v", m, res))
			return 0
		}
	}
	return median(ds)
}

// teardown starts the tree fixture name (b.TreeSize processes) reps times, waits until all its
// processes are in place, and times Stop(); it checks that nothing
// survived by the reporter's independent scan.
func (b *Bench) teardown(name, m string, grace time.Duration, reps int) float64 {
	var ds []time.Duration
	for range reps {
		d, err := teardownOnce(name, m, b.TreeSize, grace)
		if err != nil {
			b.Problems = append(b.Problems, fmt.Sprintf("bench %s with %s: %v", name, m, err))
			continue
		}
		ds = append(ds, d)
	}
	return median(ds)
}

func teardownOnce(name, m string, size int, grace time.Duration) (time.Duration, error) {
	w, err := newWatch()
	if err != nil {
		return 0, err
	}
	defer w.close()
	defer w.killAll()
	tb := sysprimstest.NewRecorder("bench/" + name)
	p := sysprimstest.Start(tb, w.attach(fixtures.Command(name, strconv.Itoa(size))), sysprimstest.WithGrace(grace), sysprimstest.WithMechanism(process.Mechanism(m)))
	defer tb.Close()
	if _, err := w.r.Await(size, 30*time.Second); err != nil {
		return 0, err
	}
	d := timed(func() { p.Stop() })
	if left := alive(w.alive()); len(left) > 0 {
		return d, fmt.Errorf("%d survived Stop(), first: %s", len(left), left[0])
	}
	if errs := tb.Errors(); len(errs) > 0 {
		return d, fmt.Errorf("%s", errs[0])
	}
	return d, nil
}

func timed(f func()) time.Duration {
	t := time.Now()
	f()
	return time.Since(t)
}

// median returns the median of ds in milliseconds (0 for none).
func median(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return ms(s[len(s)/2])
}
