//go:build linux

package proc

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// benchProcesses is how many processes the snapshot benchmarks run with.
const benchProcesses = 1000

// TestMain stops the benchmark population, if a benchmark started one.
func TestMain(m *testing.M) {
	code := m.Run()
	population.stop()
	os.Exit(code)
}

// benchPopulation is a set of idle `cat` processes (marked
// SYSPRIMS_PROCBENCH=1) that brings the process count up to
// benchProcesses. They all read one pipe whose write end only this binary
// holds, so they exit on their own if it dies; stop kills and reaps them
// by pid.
type benchPopulation struct {
	once  sync.Once
	err   error
	w     *os.File
	procs []*os.Process
}

var population benchPopulation

// ensure starts the population once per test binary, or skips b.
func (pop *benchPopulation) ensure(b *testing.B) {
	b.Helper()
	pop.once.Do(func() { pop.err = pop.start() })
	if pop.err != nil {
		b.Skipf("cannot start the benchmark population: %v", pop.err)
	}
}

func (pop *benchPopulation) start() error {
	cat, err := exec.LookPath("cat")
	if err != nil {
		return err
	}
	snap, err := Snapshot(Options{})
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	pop.w = w
	attr := &os.ProcAttr{Files: []*os.File{r, nil, nil}, Env: []string{"SYSPRIMS_PROCBENCH=1"}}
	for range benchProcesses - len(snap) {
		p, err := os.StartProcess(cat, []string{"cat"}, attr)
		if err != nil {
			return fmt.Errorf("started %d: %w", len(pop.procs), err)
		}
		pop.procs = append(pop.procs, p)
	}
	return nil
}

// stop kills and reaps every population process.
func (pop *benchPopulation) stop() {
	if pop.w != nil {
		pop.w.Close()
	}
	for _, p := range pop.procs {
		p.Kill()
	}
	for _, p := range pop.procs {
		p.Wait()
	}
	pop.procs = nil
}

// floor is the least work any /proc snapshot does: list the pids, then
// open, read and close each /proc/PID/stat, parsing nothing. It uses the
// same raw primitives as the snapshot, so the ratio measures the parsing
// and bookkeeping on top of the reads.
func floor(b *testing.B) int {
	dirfd, err := openDir("/proc")
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(dirfd)
	pids, err := readPIDs(dirfd)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 2048)
	path := make([]byte, 0, 64)
	n := 0
	for _, pid := range pids {
		path = appendPath(path[:0], pid, "stat")
		fd, err := openAt(dirfd, path)
		if err != nil {
			continue
		}
		if _, err := unix.Read(fd, buf); err == nil {
			n++
		}
		unix.Close(fd)
	}
	return n
}

// BenchmarkFloor measures floor alone.
func BenchmarkFloor(b *testing.B) {
	population.ensure(b)
	b.ReportAllocs()
	procs := 0
	for b.Loop() {
		procs = floor(b)
	}
	b.ReportMetric(float64(procs), "procs")
}

// BenchmarkSnapshot measures the default snapshot. It runs the floor
// after each snapshot and reports the floor's time and the median ratio
// of the pairs (x-floor): measured in pairs, the ratio holds on a busy
// machine where the absolute times do not.
func BenchmarkSnapshot(b *testing.B) {
	population.ensure(b)
	var snapTime, floorTime time.Duration
	var ratios []float64
	procs := 0
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		snap, err := Snapshot(Options{})
		t1 := time.Now()
		floor(b)
		f, s := time.Since(t1), t1.Sub(t0)
		snapTime, floorTime = snapTime+s, floorTime+f
		ratios = append(ratios, float64(s)/float64(f))
		if err != nil {
			b.Fatal(err)
		}
		procs = len(snap)
	}
	n := float64(b.N)
	b.ReportMetric(float64(snapTime.Nanoseconds())/n, "ns/op")
	b.ReportMetric(float64(floorTime.Nanoseconds())/n, "floor-ns/op")
	b.ReportMetric(median(ratios), "x-floor")
	b.ReportMetric(float64(procs), "procs")
}

// median returns the median of xs, reordering them.
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// BenchmarkSnapshotTestFields measures the snapshot sysprimstest takes:
// default fields plus cmdline and markers (two more reads per process).
func BenchmarkSnapshotTestFields(b *testing.B) {
	population.ensure(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Snapshot(Options{Fields: FieldCmdline | FieldMarkers}); err != nil {
			b.Fatal(err)
		}
	}
}
