package matchers_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

var (
	measured = &sysprimstest.Result{Reliability: process.Guaranteed, Mechanism: process.MechanismCgroupV2, Usage: process.Usage{
		UserCPU: 400 * time.Millisecond, SystemCPU: 100 * time.Millisecond, CPUSource: process.UsageCgroup,
		PeakMemory: 70 << 20, PeakMemorySource: process.UsageCgroup, PeakMemoryScope: process.MemoryTree,
		PeakProcesses: 3, PeakProcessesSource: process.UsageCgroup}}
	rootOnly = &sysprimstest.Result{Reliability: process.BestEffort, Mechanism: process.MechanismProcessGroup, Usage: process.Usage{
		UserCPU: 20 * time.Millisecond, CPUSource: process.UsageRoot,
		PeakMemory: 8 << 20, PeakMemorySource: process.UsageRoot, PeakMemoryScope: process.MemoryLargestWaited}}
)

func TestUsageMatchersOnResults(t *testing.T) {
	runCases(t, []matchCase{
		{"cpu within", matchers.HaveUsedCPUAtMost(time.Second), measured, true, "not to have used at most 1s of CPU time, but it used 500ms (user 400ms, system 100ms; measured by cgroup_v2)"},
		{"cpu at the bound", matchers.HaveUsedCPUAtMost(500 * time.Millisecond), measured, true, "not to have used"},
		{"cpu over", matchers.HaveUsedCPUAtMost(100 * time.Millisecond), measured, false, "to have used at most 100ms of CPU time, but it used 500ms"},
		{"cpu of the root", matchers.HaveUsedCPUAtMost(time.Second), rootOnly, true, "measured by root_rusage"},
		{"memory within", matchers.HavePeakMemoryAtMost(128 << 20), measured, true, "it peaked at 70.0 MiB (the whole tree at once; measured by cgroup_v2)"},
		{"memory over", matchers.HavePeakMemoryAtMost(64 << 20), measured, false, "to have peaked at most 64.0 MiB of memory, but it peaked at 70.0 MiB"},
		{"memory of the largest waited for", matchers.HavePeakMemoryAtMost(1 << 20), rootOnly, false, "8.0 MiB (the largest peak RSS among the members the root waited for; measured by root_rusage)"},
		{"processes within", matchers.HavePeakProcessesAtMost(3), measured, true, "it had 3 (measured by cgroup_v2)"},
		{"processes over", matchers.HavePeakProcessesAtMost(2), measured, false, "to have had at most 2 processes alive at once, but it had 3"},
	})
}

// TestUsageMatchersRefuseUnmeasured: a bound on a figure nobody measured
// is an error in either direction, naming the figure and the mechanism.
func TestUsageMatchersRefuseUnmeasured(t *testing.T) {
	for _, c := range []struct {
		m    types.GomegaMatcher
		want string
	}{
		{matchers.HavePeakProcessesAtMost(10), "sysprims: HavePeakProcessesAtMost: peak processes was not measured by process_group (unmeasured: peak_processes)"},
		{matchers.HaveUsedCPUAtMost(time.Second), "sysprims: HaveUsedCPUAtMost: cpu was not measured by named_tree"},
		{matchers.HavePeakMemoryAtMost(1), "sysprims: HavePeakMemoryAtMost: peak memory was not measured by named_tree"},
	} {
		actual := rootOnly
		if !strings.Contains(c.want, "process_group") {
			actual = &sysprimstest.Result{Mechanism: process.MechanismNamedTree}
		}
		ok, err := c.m.Match(actual)
		if ok || err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Match = %v, %v; want the error %q", ok, err, c.want)
		}
	}
	ok, err := matchers.HaveUsedCPUAtMost(time.Second).Match(neverRan)
	if ok || err == nil || !strings.Contains(err.Error(), "never started") {
		t.Errorf("on a command that never started: %v, %v", ok, err)
	}
}

func TestUsageMatchersWrongTypes(t *testing.T) {
	for name, m := range map[string]types.GomegaMatcher{
		"HaveUsedCPUAtMost":       matchers.HaveUsedCPUAtMost(time.Second),
		"HavePeakMemoryAtMost":    matchers.HavePeakMemoryAtMost(1),
		"HavePeakProcessesAtMost": matchers.HavePeakProcessesAtMost(1),
	} {
		if ok, err := m.Match("a string"); ok || err == nil || !strings.HasPrefix(err.Error(), "sysprims: "+name+" expects") {
			t.Errorf("%s.Match(string) = %v, %v", name, ok, err)
		}
	}
}

// TestUsageMatchersOnKnownLoad bounds a real tree: the load fixture's
// worker uses 1 s of CPU time and keeps 64 MiB resident. The bounds
// hold with the tolerance of the engine's own check (300 ms, 32 MiB
// above the load); just below the load they fail. A Process is judged
// once it has been waited for, and not before.
func TestUsageMatchersOnKnownLoad(t *testing.T) {
	g := NewWithT(t)
	p := sysprimstest.Start(t, fixtures.Command("load", "1000", "64"))
	g.Expect(p).NotTo(matchers.HaveUsedCPUAtMost(time.Hour), "not waited for: no answer yet")
	mc := matchers.HaveUsedCPUAtMost(time.Hour).(interface{ MatchMayChangeInTheFuture(any) bool })
	g.Expect(mc.MatchMayChangeInTheFuture(p)).To(BeTrue())
	res := p.Wait(waittest.Scale(time.Minute))
	t.Logf("%s: %v", res.Mechanism, res.Usage)
	if res.Usage.CPUSource == process.UsageRoot && runtime.GOOS == "windows" {
		t.Skip("the root's own CPU time only: Windows adds no descendant's, and this Job Object kept no account (Wine)")
	}
	g.Expect(res).To(matchers.HaveUsedCPUAtMost(1300 * time.Millisecond))
	g.Expect(res).NotTo(matchers.HaveUsedCPUAtMost(990 * time.Millisecond))
	if res.Usage.PeakMemorySource == process.Unmeasured {
		t.Skipf("peak memory unmeasured by %s here", res.Mechanism)
	}
	g.Expect(p).To(matchers.HavePeakMemoryAtMost(96 << 20))
	g.Expect(p).NotTo(matchers.HavePeakMemoryAtMost(64 << 20))
}
