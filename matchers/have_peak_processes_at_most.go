package matchers

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/process"
)

// HavePeakProcessesAtMost succeeds when at most n members of the tree
// were alive at once ([sysprimstest.Result].Usage.PeakProcesses). The
// actual is a *sysprimstest.Process (once waited for) or a
// *sysprimstest.Result. Only a cgroup v2 leaf with the pids controller
// measures it (pids.peak, which counts each thread of a member); elsewhere
// the match is an error, not a pass.
//
//	Expect(res).To(HavePeakProcessesAtMost(64))
func HavePeakProcessesAtMost(n int) types.GomegaMatcher {
	return &usageMatcher{
		name:   "HavePeakProcessesAtMost",
		want:   fmt.Sprintf("to have had at most %d processes alive at once", n),
		figure: process.UsagePeakProcesses,
		source: func(u process.Usage) process.UsageSource { return u.PeakProcessesSource },
		within: func(u process.Usage) bool { return u.PeakProcesses <= n },
		got: func(u process.Usage) string {
			return fmt.Sprintf("it had %d (measured by %s)", u.PeakProcesses, u.PeakProcessesSource)
		},
	}
}
