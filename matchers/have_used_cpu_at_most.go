package matchers

import (
	"fmt"
	"time"

	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/process"
)

// HaveUsedCPUAtMost succeeds when the whole tree used at most d of CPU
// time, user plus system ([sysprimstest.Result].Usage). The actual is a
// *sysprimstest.Process (once waited for) or a *sysprimstest.Result. The
// match is an error, not a pass, when the container could not measure
// CPU time. What the figure counts depends on its source (see
// [process.UsageSource]): with root_rusage, the process group fallback,
// an orphan the root left is not counted.
//
//	res := sysprimstest.Run(t, time.Minute, exec.Command("./build.sh"))
//	Expect(res).To(HaveUsedCPUAtMost(30 * time.Second))
func HaveUsedCPUAtMost(d time.Duration) types.GomegaMatcher {
	return &usageMatcher{
		name:   "HaveUsedCPUAtMost",
		want:   fmt.Sprintf("to have used at most %v of CPU time", d),
		figure: process.UsageCPU,
		source: func(u process.Usage) process.UsageSource { return u.CPUSource },
		within: func(u process.Usage) bool { return u.CPU() <= d },
		got: func(u process.Usage) string {
			return fmt.Sprintf("it used %v (user %v, system %v; measured by %s)", u.CPU(), u.UserCPU, u.SystemCPU, u.CPUSource)
		},
	}
}
