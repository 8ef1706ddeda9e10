package matchers

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/process"
)

// HavePeakMemoryAtMost succeeds when the tree's peak memory
// ([sysprimstest.Result].Usage.PeakMemory) was at most bytes. The actual
// is a *sysprimstest.Process (once waited for) or a *sysprimstest.Result.
// The match is an error, not a pass, when the container could not
// measure peak memory. Where no memory controller measured the whole
// tree the figure is one member's peak RSS (scope largest_member, or
// largest_waited_member where only the root's wait4 measured it, which
// misses an orphan), and the bound holds for each member alone, not for
// the tree; the failure message says which it was.
//
//	Expect(res).To(HavePeakMemoryAtMost(512 << 20))
func HavePeakMemoryAtMost(bytes uint64) types.GomegaMatcher {
	return &usageMatcher{
		name:   "HavePeakMemoryAtMost",
		want:   fmt.Sprintf("to have peaked at most %s of memory", mib(bytes)),
		figure: process.UsagePeakMemory,
		source: func(u process.Usage) process.UsageSource { return u.PeakMemorySource },
		within: func(u process.Usage) bool { return u.PeakMemory <= bytes },
		got: func(u process.Usage) string {
			return fmt.Sprintf("it peaked at %s (%s; measured by %s)", mib(u.PeakMemory), scopeWords(u.PeakMemoryScope), u.PeakMemorySource)
		},
	}
}

// mib formats a byte count in mebibytes: "64.0 MiB".
func mib(bytes uint64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }

// scopeWords says whose peak a memory figure is.
func scopeWords(s process.MemoryScope) string {
	switch s {
	case process.MemoryTree:
		return "the whole tree at once"
	case process.MemoryLargestWaited:
		return "the largest peak RSS among the members the root waited for"
	}
	return "the largest member's peak RSS"
}
