//go:build unix

package platform

import (
	"os"
	"runtime"
	"syscall"
)

var _ Accountant = (*groupContainer)(nil)

// maxRSS returns the ru_maxrss of a reaped process in bytes: the largest
// peak resident set among the process and the descendants it waited for.
func maxRSS(ps *os.ProcessState) (uint64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil || ru.Maxrss <= 0 {
		return 0, false
	}
	unit := uint64(1024) // KiB on Linux and the BSDs
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		unit = 1 // bytes
	}
	return uint64(ru.Maxrss) * unit, true
}
