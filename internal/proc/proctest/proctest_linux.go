package proctest

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchProcesses is how many processes the snapshot benchmarks run with.
const BenchProcesses = 1000

// Main runs the tests and benchmarks of m, stops pop (if a benchmark
// started it) and exits: the TestMain of a package with snapshot
// benchmarks.
func Main(m *testing.M, pop *Population) {
	code := m.Run()
	pop.Stop()
	os.Exit(code)
}

// MustFloor runs [Floor], failing b on error.
func MustFloor(b *testing.B) int {
	b.Helper()
	n, err := Floor()
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// Population is a set of idle `cat` processes, marked SYSPRIMS_PROCBENCH=1,
// that brings the process count of the machine up to a target. They all
// read one pipe whose write end only this binary holds, so they exit on
// their own if it dies; Stop kills and reaps them by pid.
type Population struct {
	once  sync.Once
	err   error
	w     *os.File
	procs []*os.Process
}

// Ensure starts the population once, enough for about n processes in all,
// or skips b with the reason.
func (pop *Population) Ensure(b *testing.B, n int) {
	b.Helper()
	pop.once.Do(func() { pop.err = pop.start(n) })
	if pop.err != nil {
		b.Skipf("cannot start the benchmark population: %v", pop.err)
	}
}

func (pop *Population) start(n int) error {
	cat, err := exec.LookPath("cat")
	if err != nil {
		return err
	}
	have, err := Floor()
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
	for range n - have {
		p, err := os.StartProcess(cat, []string{"cat"}, attr)
		if err != nil {
			return fmt.Errorf("started %d: %w", len(pop.procs), err)
		}
		pop.procs = append(pop.procs, p)
	}
	return nil
}

// Stop kills and reaps every process of the population.
func (pop *Population) Stop() {
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

// Floor is the least work any /proc snapshot does: list /proc, then open,
// read and close each /proc/PID/stat, parsing nothing. It returns how many
// stat files it read.
func Floor() (int, error) { return floor(nil) }

// FloorParsed is [Floor] that also parses, in place and without
// allocating, the stat fields a default snapshot reports ([ParseStat]):
// the floor of a snapshot that must report those fields, which
// sysprims-compare's table measures the default snapshot against. It
// returns how many stat files it read and parsed.
func FloorParsed() (int, error) {
	return floor(func(b []byte) bool { return ParseStat(b).PPID >= 0 })
}

// floor lists /proc and reads each /proc/PID/stat, counting those read
// (and accepted by parse, when not nil).
func floor(parse func([]byte) bool) (int, error) {
	dirfd, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(dirfd)
	dents := make([]byte, 32<<10)
	buf := make([]byte, 2048)
	n := 0
	for {
		m, err := unix.Getdents(dirfd, dents)
		if err != nil || m <= 0 {
			return n, err
		}
		_, _, names := unix.ParseDirent(dents[:m], -1, nil)
		for _, name := range names {
			if _, err := strconv.Atoi(name); err != nil {
				continue
			}
			if k := readStat(dirfd, name, buf); k > 0 && (parse == nil || parse(buf[:k])) {
				n++
			}
		}
	}
}

// readStat reads /proc/PID/stat into buf and returns the bytes read (0
// when it could not).
func readStat(dirfd int, pid string, buf []byte) int {
	fd, err := unix.Openat(dirfd, pid+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	k, err := unix.Read(fd, buf)
	if err != nil {
		return 0
	}
	return k
}

// Pairs accumulates the timings of a measured function and of a baseline
// run right after it, in the same loop iteration.
type Pairs struct {
	own, base time.Duration
	ratios    []float64
}

// Add records one pair.
func (p *Pairs) Add(own, base time.Duration) {
	p.own, p.base = p.own+own, p.base+base
	p.ratios = append(p.ratios, float64(own)/float64(base))
}

// Report sets ns/op to the measured function alone and adds the baseline
// per op, the median ratio of the pairs (robust to a busy machine) as
// x-baseName, and procs.
func (p *Pairs) Report(b *testing.B, baseName string, procs int) {
	n := float64(b.N)
	slices.Sort(p.ratios)
	b.ReportMetric(float64(p.own.Nanoseconds())/n, "ns/op")
	b.ReportMetric(float64(p.base.Nanoseconds())/n, baseName+"-ns/op")
	b.ReportMetric(p.ratios[len(p.ratios)/2], "x-"+baseName)
	b.ReportMetric(float64(procs), "procs")
}

// BenchFloor measures [Floor] alone, with pop at [BenchProcesses].
func (pop *Population) BenchFloor(b *testing.B) {
	pop.Ensure(b, BenchProcesses)
	b.ReportAllocs()
	procs := 0
	for b.Loop() {
		procs = MustFloor(b)
	}
	b.ReportMetric(float64(procs), "procs")
}

// BenchPaired measures own, which returns how many processes it saw,
// with base run right after it in each iteration, and reports the pairs
// (see [Pairs.Report]), with pop at [BenchProcesses].
func (pop *Population) BenchPaired(b *testing.B, baseName string, own func() (int, error), base func()) {
	pop.Ensure(b, BenchProcesses)
	b.ReportAllocs()
	var pairs Pairs
	procs := 0
	for b.Loop() {
		t0 := time.Now()
		n, err := own()
		t1 := time.Now()
		base()
		pairs.Add(t1.Sub(t0), time.Since(t1))
		if err != nil {
			b.Fatal(err)
		}
		procs = n
	}
	pairs.Report(b, baseName, procs)
}

// OtherThread returns the id of a thread of the calling process other
// than its main thread (the Go runtime always runs several): a pid that
// /proc answers for although it names no process.
func OtherThread(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if tid, _ := strconv.Atoi(e.Name()); tid != os.Getpid() {
			return tid
		}
	}
	t.Skip("this process runs a single thread")
	return 0
}
