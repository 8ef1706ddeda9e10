package proc

import (
	"os"
	"strconv"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
)

// pfExiting is the PF_EXITING bit of the flags field of /proc/PID/stat:
// the process has begun to exit.
const pfExiting = 0x4

// sigkillBit is SIGKILL's bit in the SigPnd and ShdPnd masks of
// /proc/PID/status (signal n is bit n-1).
const sigkillBit = 1 << (9 - 1)

// Dying reports whether the kernel has the process pid on its way out: it
// has begun to exit (PF_EXITING), or a SIGKILL is pending that it has not
// been scheduled to act on yet. Nothing can save such a process, but on a
// loaded machine its exit (every thread, then its memory) can take
// seconds. False for a process gone or unreadable.
func Dying(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	stat, err := os.ReadFile(dir + "stat")
	if err != nil {
		return false
	}
	status, _ := os.ReadFile(dir + "status")
	return dying(stat, status)
}

// dying is [Dying] of the stat and status files read.
func dying(stat, status []byte) bool {
	var st procStat
	if procfs.ParseStat(stat, &st) != nil || linuxState(st.State).Gone() {
		return false
	}
	return st.Flags&pfExiting != 0 || (statusMask(status, "SigPnd")|statusMask(status, "ShdPnd"))&sigkillBit != 0
}

// statusMask parses the hexadecimal signal mask of the line "NAME:\tMASK"
// of /proc/PID/status; 0 when there is none.
func statusMask(b []byte, name string) uint64 {
	v, _ := procfs.StatusField(b, name)
	m, err := strconv.ParseUint(string(v), 16, 64)
	if err != nil {
		return 0
	}
	return m
}
