package platform

import (
	"os"
	"sync"

	"github.com/3leaps/sysprims-go/process"
)

// Usage is [process.Usage]: what a tree used, each figure with its source.
type Usage = process.Usage

// Accountant is implemented by containers that can tell what their tree
// used: every container [New] makes. A [NamedTree] does not (it did not
// start its tree, so nothing accounted for it).
type Accountant interface {
	// Usage returns what the tree used, each figure with the best source
	// this container had for it ([process.Unmeasured] for none). It is
	// final once Close has returned; before that it may lack figures.
	Usage() Usage
}

// sourceRank orders the sources: a figure from a higher rank replaces one
// from a lower. The container's own accounts (a cgroup leaf, a Job
// Object) count every member, the shim's count every reaped one, the
// root's only what the root waited for.
func sourceRank(s process.UsageSource) int {
	switch s {
	case process.UsageCgroup, process.UsageJobObject:
		return 3
	case process.UsageReaped:
		return 2
	case process.UsageRoot:
		return 1
	}
	return 0
}

// account collects a container's figures as they become known (the
// root's at Wait, the container's at Close), keeping the best source of
// each. Safe for concurrent use; the zero value is empty.
type account struct {
	mu sync.Mutex
	u  Usage
}

// add takes each figure of u whose source ranks above the one held.
func (a *account) add(u Usage) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if sourceRank(u.CPUSource) > sourceRank(a.u.CPUSource) {
		a.u.UserCPU, a.u.SystemCPU, a.u.CPUSource = u.UserCPU, u.SystemCPU, u.CPUSource
	}
	if sourceRank(u.PeakMemorySource) > sourceRank(a.u.PeakMemorySource) {
		a.u.PeakMemory, a.u.PeakMemoryScope, a.u.PeakMemorySource = u.PeakMemory, u.PeakMemoryScope, u.PeakMemorySource
	}
	if sourceRank(u.PeakProcessesSource) > sourceRank(a.u.PeakProcessesSource) {
		a.u.PeakProcesses, a.u.PeakProcessesSource = u.PeakProcesses, u.PeakProcessesSource
	}
}

// get returns the figures collected so far.
func (a *account) get() Usage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.u
}

// rootUsage is what wait4 said of a reaped root: its CPU time and that of
// the descendants it waited for (on Windows the root's alone), and where
// the OS tells it, the largest peak RSS among them (an orphan the root
// left is in neither figure). Nothing when ps is
// nil (the root was not reaped).
func rootUsage(ps *os.ProcessState) Usage {
	if ps == nil {
		return Usage{}
	}
	u := Usage{UserCPU: ps.UserTime(), SystemCPU: ps.SystemTime(), CPUSource: process.UsageRoot}
	if rss, ok := maxRSS(ps); ok {
		u.PeakMemory, u.PeakMemorySource, u.PeakMemoryScope = rss, process.UsageRoot, process.MemoryLargestWaited
	}
	return u
}

// atLeastRoot drops the CPU figure of a container's account u when it is
// below root's, the root's own rusage: an account that counts less than
// the root alone used is not being kept (Wine's Job Objects report zero
// times), and the root's figure then stands instead.
func atLeastRoot(u, root Usage) Usage {
	if root.CPUSource != process.Unmeasured && u.CPUSource != process.Unmeasured && u.CPU() < root.CPU() {
		u.UserCPU, u.SystemCPU, u.CPUSource = 0, 0, process.Unmeasured
	}
	return u
}
