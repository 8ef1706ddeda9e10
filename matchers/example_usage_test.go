package matchers_test

import (
	"time"

	"github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

func ExampleHaveUsedCPUAtMost() {
	res := &sysprimstest.Result{Reliability: process.Guaranteed, Mechanism: process.MechanismSubreaper,
		Usage: process.Usage{UserCPU: 1200 * time.Millisecond, SystemCPU: 300 * time.Millisecond, CPUSource: process.UsageReaped}}
	printFailures.Expect(res).To(matchers.HaveUsedCPUAtMost(time.Second))
	// Output:
	// Expected
	//     <*sysprimstest.Result>: exit 0 after 0s (subreaper, guaranteed)
	// to have used at most 1s of CPU time, but it used 1.5s (user 1.2s, system 300ms; measured by rusage_children)
}

// Without a memory controller, peak memory is the largest member's peak
// RSS, and the failure says so.
func ExampleHavePeakMemoryAtMost() {
	res := &sysprimstest.Result{Reliability: process.Guaranteed, Mechanism: process.MechanismSubreaper,
		Usage: process.Usage{PeakMemory: 96 << 20, PeakMemorySource: process.UsageReaped, PeakMemoryScope: process.MemoryLargestMember}}
	printFailures.Expect(res).To(matchers.HavePeakMemoryAtMost(64 << 20))
	// Output:
	// Expected
	//     <*sysprimstest.Result>: exit 0 after 0s (subreaper, guaranteed)
	// to have peaked at most 64.0 MiB of memory, but it peaked at 96.0 MiB (the largest member's peak RSS; measured by rusage_children)
}

// A figure the container could not measure is an error, not a pass.
func ExampleHavePeakProcessesAtMost() {
	res := &sysprimstest.Result{Reliability: process.Guaranteed, Mechanism: process.MechanismSubreaper,
		Usage: process.Usage{CPUSource: process.UsageReaped}}
	printFailures.Expect(res).To(matchers.HavePeakProcessesAtMost(10))
	// Output:
	// sysprims: HavePeakProcessesAtMost: peak processes was not measured by subreaper (unmeasured: peak_memory, peak_processes)
}
