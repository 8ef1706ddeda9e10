//go:build linux

package proc

import (
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc/proctest"
)

// benchProcesses is how many processes the benchmarks run with.
const benchProcesses = proctest.BenchProcesses

// population brings the machine up to benchProcesses for benchmarks only.
var population proctest.Population

// TestMain stops the benchmark population, if a benchmark started one.
func TestMain(m *testing.M) { proctest.Main(m, &population) }


// BenchmarkFloor measures the floor alone: readdir of /proc and one
// open/read/close of each /proc/PID/stat.
func BenchmarkFloor(b *testing.B) {
	population.Ensure(b, benchProcesses)
	b.ReportAllocs()
	procs := 0
	for b.Loop() {
		procs = proctest.MustFloor(b)
	}
	b.ReportMetric(float64(procs), "procs")
}

// BenchmarkSnapshot measures the default snapshot. It runs the floor
// after each snapshot and reports the floor's time and the median ratio
// of the pairs (x-floor): measured in pairs, the ratio holds on a busy
// machine where the absolute times do not.
func BenchmarkSnapshot(b *testing.B) {
	population.Ensure(b, benchProcesses)
	b.ReportAllocs()
	var pairs proctest.Pairs
	procs := 0
	for b.Loop() {
		t0 := time.Now()
		snap, err := Snapshot(Options{})
		t1 := time.Now()
		proctest.MustFloor(b)
		pairs.Add(t1.Sub(t0), time.Since(t1))
		if err != nil {
			b.Fatal(err)
		}
		procs = len(snap)
	}
	pairs.Report(b, "floor", procs)
}

// BenchmarkSnapshotTestFields measures the snapshot sysprimstest takes:
// default fields plus cmdline and markers (two more reads per process).
func BenchmarkSnapshotTestFields(b *testing.B) {
	population.Ensure(b, benchProcesses)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Snapshot(Options{Fields: FieldCmdline | FieldMarkers}); err != nil {
			b.Fatal(err)
		}
	}
}
