//go:build linux

// Benchmarks of the sysprims-go snapshot against the /proc floor and
// gopsutil. peerbench/ is a separate module so that the peers stay out of
// the main go.mod; the package is main so that a comparison program can
// live next to these benchmarks.
package main

import (
	"context"
	"testing"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/proc/proctest"
	"github.com/shirou/gopsutil/v4/process"
)

// population brings the machine up to proctest.BenchProcesses, for
// benchmarks only.
var population proctest.Population

// TestMain stops the benchmark population, if a benchmark started one.
func TestMain(m *testing.M) { proctest.Main(m, &population) }

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
func BenchmarkSnapshot_Floor(b *testing.B) { population.BenchFloor(b) }

// BenchmarkSnapshot_Sysprims measures the default sysprims snapshot, with
// the floor run between snapshots for the x-floor ratio.
func BenchmarkSnapshot_Sysprims(b *testing.B) {
	population.BenchPaired(b, "floor", func() (int, error) { return sysprimsSnapshot(b), nil },
		func() { proctest.MustFloor(b) })
}

// BenchmarkSnapshot_Gopsutil measures gopsutil collecting the same
// fields, with a sysprims snapshot run between for the x-sysprims ratio.
func BenchmarkSnapshot_Gopsutil(b *testing.B) {
	ctx := context.Background()
	population.BenchPaired(b, "sysprims", func() (int, error) {
		rows, err := gopsutilSnapshot(ctx)
		return len(rows), err
	}, func() { sysprimsSnapshot(b) })
}
