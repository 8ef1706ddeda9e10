package sysprimstest

import (
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega/gbytes"

	"github.com/3leaps/sysprims-go/internal/proc/proctest"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// benchProcesses is how many processes the snapshot benchmarks run with.
const benchProcesses = 1000

// populate brings the machine up to benchProcesses for one benchmark and
// removes the population when it ends (VerifyTestMain would charge it).
func populate(b *testing.B) {
	var pop proctest.Population
	b.Cleanup(pop.Stop)
	pop.Ensure(b, benchProcesses)
}

// pairs runs fn and the floor one after the other in each iteration and
// reports fn's time, the floor's and their median ratio (x-floor): the
// ratio holds on a busy machine where absolute times do not.
func pairs(b *testing.B, fn func() error) {
	b.ReportAllocs()
	var ps proctest.Pairs
	procs := 0
	for b.Loop() {
		t0 := time.Now()
		err := fn()
		t1 := time.Now()
		n, ferr := proctest.Floor()
		ps.Add(t1.Sub(t0), time.Since(t1))
		if err != nil || ferr != nil {
			b.Fatal(err, ferr)
		}
		procs = n
	}
	ps.Report(b, "floor", procs)
}

// BenchmarkSnapshot measures Snapshot, the default fields only (goal:
// 1.2x the floor).
func BenchmarkSnapshot(b *testing.B) {
	populate(b)
	pairs(b, func() error { _, err := Snapshot(); return err })
}

// BenchmarkSnapshotDetails measures what Snapshot used to gather by
// default: command lines and markers of every process.
func BenchmarkSnapshotDetails(b *testing.B) {
	populate(b)
	pairs(b, func() error { _, err := SnapshotWith(FieldCmdline | FieldMarkers); return err })
}

// BenchmarkLeakCheck measures the end-of-test check of VerifyNoLeaks
// (snapshot, details of the processes new since the baseline, judging,
// removal) when nothing leaked (goal: 1.3x the floor).
func BenchmarkLeakCheck(b *testing.B) {
	populate(b)
	sc, err := newScope(b.Name(), defaults())
	if err != nil {
		b.Fatal(err)
	}
	pairs(b, func() error { return sc.verify(b.Name()) })
}

// BenchmarkLeakCheckBinary is BenchmarkLeakCheck for VerifyTestMain's
// check of the whole binary.
func BenchmarkLeakCheckBinary(b *testing.B) {
	populate(b)
	sc, err := newScope("", defaults())
	if err != nil {
		b.Fatal(err)
	}
	pairs(b, func() error { return sc.verify("the test binary") })
}

// BenchmarkOutput100MB runs a command that writes 100 MB to stdout and
// reports the test process's peak RSS (MB-peak-rss, reset before each
// run through /proc/self/clear_refs) and its allocations: through Run
// and Start with the default output limit, against the floor (exec.Cmd writing to
// io.Discard) and against the unbounded capture of gexec and of this
// library before the limit (exec.Cmd writing into a gbytes.Buffer).
func BenchmarkOutput100MB(b *testing.B) {
	const script = "head -c 100000000 /dev/zero"
	b.Run("floor-discard", func(b *testing.B) {
		peakRSS(b, func() {
			cmd := exec.Command("sh", "-c", script)
			cmd.Stdout = io.Discard
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("unbounded-gbytes", func(b *testing.B) {
		peakRSS(b, func() {
			buf := gbytes.NewBuffer()
			cmd := exec.Command("sh", "-c", script)
			cmd.Stdout = buf
			if err := cmd.Run(); err != nil || len(buf.Contents()) != 100000000 {
				b.Fatal(err)
			}
		})
	})
	b.Run("Run", func(b *testing.B) {
		peakRSS(b, func() {
			res := Run(b, waittest.Scale(time.Minute), exec.Command("sh", "-c", script))
			if res.ExitCode != 0 || len(res.Stdout) > DefaultOutputLimit+100 {
				b.Fatalf("%v, %d bytes kept", res, len(res.Stdout))
			}
		})
	})
	b.Run("Start", func(b *testing.B) { // keeps a gbytes window as well
		peakRSS(b, func() {
			res := Start(b, exec.Command("sh", "-c", script)).Wait(waittest.Scale(time.Minute))
			if res.ExitCode != 0 || len(res.Stdout) > DefaultOutputLimit+100 {
				b.Fatalf("%v, %d bytes kept", res, len(res.Stdout))
			}
		})
	})
}

// peakRSS runs fn per iteration and reports the largest peak RSS of this
// process during fn, in MB.
func peakRSS(b *testing.B, fn func()) {
	b.ReportAllocs()
	var peak int
	for b.Loop() {
		runtime.GC()
		debug.FreeOSMemory()
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			b.Skipf("cannot reset the peak RSS: %v", err)
		}
		fn()
		peak = max(peak, vmHWM(b))
	}
	b.ReportMetric(float64(peak)/1024, "MB-peak-rss")
}

// vmHWM reads this process's peak RSS in kB.
func vmHWM(b *testing.B) int {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
