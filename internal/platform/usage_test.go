package platform

import (
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/process"
)

// TestAccountKeepsBestSource: whatever order the figures arrive in (the
// root's at Wait, the container's at Close), each figure keeps its most
// complete source, and an unmeasured figure never replaces a measured one.
func TestAccountKeepsBestSource(t *testing.T) {
	root := process.Usage{UserCPU: time.Millisecond, CPUSource: process.UsageRoot,
		PeakMemory: 8 << 20, PeakMemorySource: process.UsageRoot, PeakMemoryScope: process.MemoryLargestWaited}
	leaf := process.Usage{UserCPU: time.Second, CPUSource: process.UsageCgroup, PeakProcesses: 4, PeakProcessesSource: process.UsageCgroup}
	want := process.Usage{UserCPU: time.Second, CPUSource: process.UsageCgroup,
		PeakMemory: 8 << 20, PeakMemorySource: process.UsageRoot, PeakMemoryScope: process.MemoryLargestWaited,
		PeakProcesses: 4, PeakProcessesSource: process.UsageCgroup}
	for _, order := range [][]process.Usage{{root, leaf}, {leaf, root}, {leaf, {}, root, {}}} {
		var a account
		for _, u := range order {
			a.add(u)
		}
		if got := a.get(); got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
}

func TestRootUsageOfUnreapedRoot(t *testing.T) {
	if u := rootUsage(nil); u != (process.Usage{}) {
		t.Errorf("rootUsage(nil) = %+v", u)
	}
}

// TestAtLeastRoot: a container's CPU figure below the root's own is not
// kept (Wine's jobs report zero), and the root's then stands.
func TestAtLeastRoot(t *testing.T) {
	root := process.Usage{UserCPU: 30 * time.Millisecond, CPUSource: process.UsageRoot}
	job := process.Usage{UserCPU: time.Second, CPUSource: process.UsageJobObject, PeakMemory: 1 << 20, PeakMemorySource: process.UsageJobObject, PeakMemoryScope: process.MemoryTree}
	if got := atLeastRoot(job, root); got != job {
		t.Errorf("a job above the root: %+v", got)
	}
	if got := atLeastRoot(job, process.Usage{}); got != job {
		t.Errorf("no root figure: %+v", got)
	}
	zero := job
	zero.UserCPU = 0
	got := atLeastRoot(zero, root)
	if got.CPUSource != process.Unmeasured || got.CPU() != 0 || got.PeakMemorySource != process.UsageJobObject {
		t.Errorf("a job at zero: %+v", got)
	}
	var a account
	a.add(root)
	a.add(got)
	if u := a.get(); u.CPUSource != process.UsageRoot || u.UserCPU != root.UserCPU {
		t.Errorf("the root's figure should stand: %+v", u)
	}
}
