package proc

import "unicode/utf16"

// This file holds the pure half of the Windows snapshot: plain values in,
// ProcessInfo out, so that it is tested on every system.

// toolhelpEntry is the part of a PROCESSENTRY32W a snapshot uses.
type toolhelpEntry struct {
	PID, PPID uint32
	Threads   uint32
	ExeFile   []uint16 // szExeFile, NUL-terminated
}

// info converts e. Toolhelp32 has no scheduler state: every listed process
// exists and is reported running. Windows has no process groups or POSIX
// sessions, so pgid and sid stay 0.
func (e toolhelpEntry) info() ProcessInfo {
	return ProcessInfo{
		PID:         int(e.PID),
		PPID:        int(e.PPID),
		Name:        utf16String(e.ExeFile),
		State:       StateRunning,
		ThreadCount: int(e.Threads),
	}
}

// utf16String decodes a NUL-terminated UTF-16 buffer.
func utf16String(s []uint16) string {
	for i, c := range s {
		if c == 0 {
			s = s[:i]
			break
		}
	}
	return string(utf16.Decode(s))
}

// filetimeEpochDelta is the number of 100 ns intervals between the
// FILETIME epoch (1601-01-01) and the Unix epoch.
const filetimeEpochDelta = 116444736000000000

// filetimeUnixMs converts a FILETIME to Unix milliseconds.
func filetimeUnixMs(high, low uint32) int64 {
	ft := int64(high)<<32 | int64(low)
	return (ft - filetimeEpochDelta) / 10000
}

// filetimeDurationMs converts a FILETIME duration (user or kernel time)
// to milliseconds.
func filetimeDurationMs(high, low uint32) int64 {
	return (int64(high)<<32 | int64(low)) / 10000
}

// dropStaleParents sets ppid to 0 where the parent pid now belongs to a
// process that started after the child: Windows does not clear the parent
// pid of an orphan, and the pid may since have been reused. Processes
// whose start time is unknown (0) keep their ppid. ps is sorted by pid.
func dropStaleParents(ps []ProcessInfo) {
	for i := range ps {
		c := &ps[i]
		if c.PPID == 0 || c.StartTimeUnixMs == 0 || c.PPID == c.PID {
			continue
		}
		parent, ok := findPID(ps, c.PPID)
		if ok && parent.StartTimeUnixMs > c.StartTimeUnixMs {
			c.PPID = 0
		}
	}
}
