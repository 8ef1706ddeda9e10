//go:build linux

// Benchmarks of the sysprims-go snapshot against the /proc floor and
// gopsutil. compare/ is a separate module so that the peers stay out of
// the main go.mod; the package is main so that a comparison program can
// live next to these benchmarks.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/shirou/gopsutil/v4/process"
	"golang.org/x/sys/unix"
)

// benchProcesses is how many processes the benchmarks run with.
const benchProcesses = 1000

// TestMain stops the benchmark population, if a benchmark started one.
func TestMain(m *testing.M) {
	code := m.Run()
	population.stop()
	os.Exit(code)
}

// benchPopulation is a set of idle `cat` processes (marked
// SYSPRIMS_PROCBENCH=1) that brings the process count up to
// benchProcesses. They read one pipe whose write end only this binary
// holds, so they exit on their own if it dies; stop kills and reaps them.
type benchPopulation struct {
	once  sync.Once
	err   error
	w     *os.File
	procs []*os.Process
}

var population benchPopulation

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
	snap, err := proc.Snapshot(proc.Options{})
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

// floor lists /proc and opens, reads and closes every /proc/PID/stat,
// parsing nothing: the least work any snapshot does.
func floor(b *testing.B) int {
	dirfd, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(dirfd)
	dents := make([]byte, 32<<10)
	buf := make([]byte, 2048)
	n := 0
	for {
		m, err := unix.Getdents(dirfd, dents)
		if err != nil || m <= 0 {
			return n
		}
		_, _, names := unix.ParseDirent(dents[:m], -1, nil)
		for _, name := range names {
			if _, err := strconv.Atoi(name); err != nil {
				continue
			}
			fd, err := unix.Openat(dirfd, name+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				continue
			}
			if _, err := unix.Read(fd, buf); err == nil {
				n++
			}
			unix.Close(fd)
		}
	}
}

// gopsutilRow is what each library collects per process.
type gopsutilRow struct {
	pid, ppid  int32
	name       string
	status     []string
	createMs   int64
	numThreads int32
	rss        uint64
}

// gopsutilSnapshot collects the default sysprims fields with gopsutil:
// pid, ppid, name, status, create time, thread count, resident memory.
// gopsutil has no pgid or sid accessor, so it collects two fields fewer.
func gopsutilSnapshot(ctx context.Context) ([]gopsutilRow, error) {
	ps, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]gopsutilRow, 0, len(ps))
	for _, p := range ps {
		r := gopsutilRow{pid: p.Pid}
		var err error
		if r.ppid, err = p.PpidWithContext(ctx); err != nil {
			continue // gone
		}
		r.name, _ = p.NameWithContext(ctx)
		r.status, _ = p.StatusWithContext(ctx)
		r.createMs, _ = p.CreateTimeWithContext(ctx)
		r.numThreads, _ = p.NumThreadsWithContext(ctx)
		if mi, err := p.MemoryInfoWithContext(ctx); err == nil {
			r.rss = mi.RSS
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func sysprimsSnapshot(b *testing.B) int {
	snap, err := proc.Snapshot(proc.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return len(snap)
}

// BenchmarkSnapshot_Floor measures the floor alone.
func BenchmarkSnapshot_Floor(b *testing.B) {
	population.ensure(b)
	b.ReportAllocs()
	procs := 0
	for b.Loop() {
		procs = floor(b)
	}
	b.ReportMetric(float64(procs), "procs")
}

// BenchmarkSnapshot_Sysprims measures the default sysprims snapshot, with
// the floor run between snapshots for the x-floor ratio.
func BenchmarkSnapshot_Sysprims(b *testing.B) {
	population.ensure(b)
	b.ReportAllocs()
	var pairs pairTimes
	procs := 0
	for b.Loop() {
		t0 := time.Now()
		procs = sysprimsSnapshot(b)
		t1 := time.Now()
		floor(b)
		pairs.add(t1.Sub(t0), time.Since(t1))
	}
	pairs.report(b, "floor", procs)
}

// BenchmarkSnapshot_Gopsutil measures gopsutil collecting the same
// fields, with a sysprims snapshot run between for the x-sysprims ratio.
func BenchmarkSnapshot_Gopsutil(b *testing.B) {
	population.ensure(b)
	b.ReportAllocs()
	ctx := context.Background()
	var pairs pairTimes
	procs := 0
	for b.Loop() {
		t0 := time.Now()
		rows, err := gopsutilSnapshot(ctx)
		t1 := time.Now()
		sysprimsSnapshot(b)
		pairs.add(t1.Sub(t0), time.Since(t1))
		if err != nil {
			b.Fatal(err)
		}
		procs = len(rows)
	}
	pairs.report(b, "sysprims", procs)
}

// pairTimes accumulates timings of a measured function and of the
// baseline run right after it.
type pairTimes struct {
	own, base time.Duration
	ratios    []float64
}

func (p *pairTimes) add(own, base time.Duration) {
	p.own, p.base = p.own+own, p.base+base
	p.ratios = append(p.ratios, float64(own)/float64(base))
}

// report sets ns/op to the measured function alone and adds the baseline
// per op and the median ratio of the pairs (robust to a busy machine).
func (p *pairTimes) report(b *testing.B, baseName string, procs int) {
	n := float64(b.N)
	slices.Sort(p.ratios)
	b.ReportMetric(float64(p.own.Nanoseconds())/n, "ns/op")
	b.ReportMetric(float64(p.base.Nanoseconds())/n, baseName+"-ns/op")
	b.ReportMetric(p.ratios[len(p.ratios)/2], "x-"+baseName)
	b.ReportMetric(float64(procs), "procs")
}
