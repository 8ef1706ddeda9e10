package platform

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
	"github.com/3leaps/sysprims-go/process"
)

// accountingControllers are the cgroup v2 controllers whose peak files a
// leaf's account reads: memory.peak (Linux 5.19+) and pids.peak (6.1+).
var accountingControllers = []string{"memory", "pids"}

// enableAccounting enables for the leaves under dir those of
// accountingControllers that dir's parent grants it (dir's
// cgroup.controllers). dir must hold no process. It never touches a
// cgroup above dir, and what cannot be enabled is simply not measured.
func enableAccounting(dir string) {
	have := strings.Fields(readFirstLine(filepath.Join(dir, "cgroup.controllers")))
	var enable []string
	for _, c := range accountingControllers {
		if slices.Contains(have, c) {
			enable = append(enable, "+"+c)
		}
	}
	if len(enable) > 0 {
		_ = os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte(strings.Join(enable, " ")), 0)
	}
}

// accountingNotes says which of accountingControllers a cgroup made
// where dir is would lack, and what its trees' accounts lose for it.
func accountingNotes(dir string) []string {
	have := strings.Fields(readFirstLine(filepath.Join(dir, "cgroup.controllers")))
	var notes []string
	if !slices.Contains(have, "memory") {
		notes = append(notes, "cgroup_v2: no memory controller delegated: peak memory is the root's ru_maxrss (the largest among the members it waited for: an orphan is missed), not memory.peak")
	}
	if !slices.Contains(have, "pids") {
		notes = append(notes, "cgroup_v2: no pids controller delegated: peak processes unmeasured")
	}
	return notes
}

// cgroupUsage reads the account of the cgroup dir, which covers every
// process that ever ran in it or below it: cpu.stat's user_usec and
// system_usec (present whatever the controllers), memory.peak and
// pids.peak where those controllers are enabled. A member that moved out
// (a migrant) is counted only for its time inside.
func cgroupUsage(dir string) Usage {
	var u Usage
	if user, sys, ok := readCPUStat(filepath.Join(dir, "cpu.stat")); ok {
		u.UserCPU, u.SystemCPU, u.CPUSource = user, sys, process.UsageCgroup
	}
	if n, ok := readCount(filepath.Join(dir, "memory.peak")); ok {
		u.PeakMemory, u.PeakMemorySource, u.PeakMemoryScope = n, process.UsageCgroup, process.MemoryTree
	}
	if n, ok := readCount(filepath.Join(dir, "pids.peak")); ok {
		u.PeakProcesses, u.PeakProcessesSource = int(n), process.UsageCgroup
	}
	return u
}

// readCPUStat reads user_usec and system_usec from a cpu.stat file.
func readCPUStat(path string) (user, sys time.Duration, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, false
	}
	u, s, ok := procfs.CPUStat(b)
	return time.Duration(u) * time.Microsecond, time.Duration(s) * time.Microsecond, ok
}

// readCount reads a file holding one unsigned number (memory.peak,
// pids.peak).
func readCount(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	return procfs.Count(b)
}

// readFirstLine returns the first line of a small file, "" on error.
func readFirstLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// parseShimUsage reads the shim's "usage USER_US SYS_US MAXRSS_KB" line:
// its getrusage(RUSAGE_CHILDREN) once no descendant is left.
func parseShimUsage(line string) (Usage, bool) {
	var user, sys, rssKB int64
	if _, err := fmt.Sscanf(line, "usage %d %d %d\n", &user, &sys, &rssKB); err != nil {
		return Usage{}, false
	}
	u := Usage{UserCPU: time.Duration(user) * time.Microsecond, SystemCPU: time.Duration(sys) * time.Microsecond, CPUSource: process.UsageReaped}
	if rssKB > 0 {
		u.PeakMemory, u.PeakMemorySource, u.PeakMemoryScope = uint64(rssKB)*1024, process.UsageReaped, process.MemoryLargestMember
	}
	return u, true
}

var (
	_ Accountant = (*cgroupContainer)(nil)
	_ Accountant = (*shimContainer)(nil)
)
