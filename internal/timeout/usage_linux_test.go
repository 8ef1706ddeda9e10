package timeout

import (
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/process"
)

// The known load: the "load" fixture's worker burns loadCPU of CPU time
// beyond its start-up and keeps loadMem resident.
const (
	loadCPU = time.Second
	loadMem = 64 << 20
)

// Tolerances, above the load, for what else the tree runs: two start-ups
// of this test binary (root and worker, tens of ms each, more under
// -race), the faults of touching loadMem, and for memory a process's own
// resident set besides the load (a -race binary's is larger).
const (
	cpuSlack = 300 * time.Millisecond
	memSlack = 32 << 20
)

// TestUsageOfKnownLoad runs the load fixture through every mechanism
// available here, with its worker reaped by the root and left as an
// orphan, and checks each figure against the known load within the
// tolerances, or that it is honestly short (root_rusage misses an
// orphan), or named unmeasured and zero.
func TestUsageOfKnownLoad(t *testing.T) {
	for _, m := range mechanisms {
		t.Run(string(m), func(t *testing.T) {
			if ok, why := available(m); !ok {
				t.Skipf("%s unavailable on this machine: %s", m, why)
			}
			for _, shape := range []string{"reaped", "orphan"} {
				t.Run(shape, func(t *testing.T) {
					cmd := fixtures.Command("load", "1000", "64", shape)
					var out strings.Builder
					cmd.Stdout = &out
					o, err := Run(cmd, Config{Mechanism: m, Require: true})
					if err != nil || o.ExitCode != 0 {
						t.Fatalf("load: %v %+v", err, o)
					}
					checkSchema(t, o)
					t.Logf("%s %s: %v; unmeasured %v; worker said %q", m, shape, o.Usage, o.Usage.Unmeasured(), strings.TrimSpace(out.String()))
					checkUsage(t, o.Usage, shape == "orphan")
				})
			}
		})
	}
}

// checkUsage judges u against the known load. An orphan worker is not
// counted by root_rusage, which must then report less than the load.
func checkUsage(t *testing.T, u process.Usage, orphan bool) {
	t.Helper()
	if u.CPUSource == process.Unmeasured {
		t.Errorf("cpu unmeasured on Linux: %v", u)
	}
	short := orphan && u.CPUSource == process.UsageRoot
	checkFigure(t, "cpu", u.CPUSource, int64(u.CPU()), int64(loadCPU), int64(cpuSlack), short)
	slack := int64(memSlack)
	if u.PeakMemoryScope == process.MemoryTree {
		slack *= 2 // the root's resident set counts too
	}
	if u.PeakMemorySource == process.UsageRoot && u.PeakMemoryScope != process.MemoryLargestWaited {
		t.Errorf("peak memory from the root's rusage labelled %q, want %q: it misses an orphan", u.PeakMemoryScope, process.MemoryLargestWaited)
	}
	short = orphan && u.PeakMemorySource == process.UsageRoot
	checkFigure(t, "peak memory", u.PeakMemorySource, int64(u.PeakMemory), loadMem, slack, short)
	if u.PeakProcessesSource != process.Unmeasured && u.PeakProcesses < 2 {
		t.Errorf("peak processes %d from %s, want at least 2 (root and worker)", u.PeakProcesses, u.PeakProcessesSource)
	}
	for _, f := range u.Unmeasured() {
		if zero := map[string]bool{process.UsageCPU: u.CPU() == 0, process.UsagePeakMemory: u.PeakMemory == 0,
			process.UsagePeakProcesses: u.PeakProcesses == 0}; !zero[f] {
			t.Errorf("%s is named unmeasured but not zero: %v", f, u)
		}
	}
}

// checkFigure checks a measured figure: within [load, load+slack], or
// below load when the source cannot see the load (short).
func checkFigure(t *testing.T, name string, src process.UsageSource, got, load, slack int64, short bool) {
	t.Helper()
	switch {
	case src == process.Unmeasured:
	case short && got >= load:
		t.Errorf("%s %d from %s counts an orphan it cannot see", name, got, src)
	case !short && (got < load || got > load+slack):
		t.Errorf("%s %d from %s, want within [%d, %d]", name, got, src, load, load+slack)
	}
}

// TestUsageSourcesByMechanism pins which source each Linux mechanism
// uses for each figure (memory.peak and pids.peak only where the run
// directory has those controllers).
func TestUsageSourcesByMechanism(t *testing.T) {
	want := map[platform.Mechanism]process.UsageSource{
		platform.MechanismCgroup:       process.UsageCgroup,
		platform.MechanismSubreaper:    process.UsageReaped,
		platform.MechanismProcessGroup: process.UsageRoot,
	}
	for _, m := range mechanisms {
		t.Run(string(m), func(t *testing.T) {
			if ok, why := available(m); !ok {
				t.Skipf("%s unavailable on this machine: %s", m, why)
			}
			o, err := Run(fixtures.Command("exit"), Config{Mechanism: m, Require: true})
			if err != nil {
				t.Fatal(err)
			}
			u := o.Usage
			if u.CPUSource != want[m] {
				t.Errorf("cpu from %q, want %q", u.CPUSource, want[m])
			}
			scope := map[platform.Mechanism]process.MemoryScope{
				platform.MechanismSubreaper:    process.MemoryLargestMember,
				platform.MechanismProcessGroup: process.MemoryLargestWaited,
			}
			if m != platform.MechanismCgroup && (u.PeakMemorySource != want[m] || u.PeakMemoryScope != scope[m]) {
				t.Errorf("peak memory from %q (%s), want %q (%s)", u.PeakMemorySource, u.PeakMemoryScope, want[m], scope[m])
			}
			if m != platform.MechanismCgroup && u.PeakProcessesSource != process.Unmeasured {
				t.Errorf("peak processes from %q, want unmeasured", u.PeakProcessesSource)
			}
		})
	}
}
