package platform

import (
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/3leaps/sysprims-go/process"
)

var (
	_ Accountant = (*jobContainer)(nil)
	_ Accountant = (*groupContainer)(nil)
)

// jobUsage reads a job's account: the CPU time of every process that ran
// in it, and PeakJobMemoryUsed, the peak of the committed memory of all
// its processes at once. A figure it cannot query is left unmeasured.
func jobUsage(job windows.Handle) Usage {
	var u Usage
	if basic, err := jobAccounting(job); err == nil {
		u.UserCPU, u.SystemCPU = ticks(basic.TotalUserTime), ticks(basic.TotalKernelTime)
		u.CPUSource = process.UsageJobObject
	}
	var ext windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	if windows.QueryInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&ext)), uint32(unsafe.Sizeof(ext)), nil) == nil && ext.PeakJobMemoryUsed > 0 {
		u.PeakMemory, u.PeakMemorySource, u.PeakMemoryScope = uint64(ext.PeakJobMemoryUsed), process.UsageJobObject, process.MemoryTree
	}
	return u
}

// ticks converts 100 ns units to a Duration.
func ticks(n int64) time.Duration { return time.Duration(n) * 100 }
