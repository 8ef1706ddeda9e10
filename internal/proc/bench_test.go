//go:build linux

package proc

import (
	"testing"

	"github.com/3leaps/sysprims-go/internal/proc/proctest"
)

// population brings the machine up to proctest.BenchProcesses, for
// benchmarks only.
var population proctest.Population

// TestMain stops the benchmark population, if a benchmark started one.
func TestMain(m *testing.M) { proctest.Main(m, &population) }

// BenchmarkFloor measures the floor alone: readdir of /proc and one
// open/read/close of each /proc/PID/stat.
func BenchmarkFloor(b *testing.B) { population.BenchFloor(b) }

// BenchmarkSnapshot measures the default snapshot. It runs the floor
// after each snapshot and reports the floor's time and the median ratio
// of the pairs (x-floor): measured in pairs, the ratio holds on a busy
// machine where the absolute times do not.
func BenchmarkSnapshot(b *testing.B) {
	population.BenchPaired(b, "floor", func() (int, error) {
		snap, err := Snapshot(Options{})
		return len(snap), err
	}, func() { proctest.MustFloor(b) })
}

// BenchmarkSnapshotTestFields measures the snapshot sysprimstest takes:
// default fields plus cmdline and markers (two more reads per process).
func BenchmarkSnapshotTestFields(b *testing.B) {
	population.Ensure(b, proctest.BenchProcesses)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Snapshot(Options{Fields: FieldCmdline | FieldMarkers}); err != nil {
			b.Fatal(err)
		}
	}
}
