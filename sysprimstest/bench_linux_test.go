package sysprimstest

import (
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc/proctest"
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
