//go:build linux

package platform

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// procRoot is where /proc is mounted (tests point it at recorded files).
var procRoot = "/proc"

// scanEntries reads every process of /proc: stat always, environ only when
// markers are given.
func scanEntries(markers []string) ([]procEntry, error) {
	d, err := os.Open(procRoot)
	if err != nil {
		return nil, fmt.Errorf("sysprims: scan processes: %w", err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("sysprims: scan processes: %w", err)
	}
	out := make([]procEntry, 0, len(names))
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		e, err := readEntry(pid)
		if err != nil {
			continue // gone meanwhile
		}
		if len(markers) > 0 && !e.gone {
			e.marked = hasMarkers(readEnviron(pid), markers)
		}
		out = append(out, e)
	}
	return out, nil
}

// readEntry parses /proc/PID/stat with one open and one read.
func readEntry(pid int) (procEntry, error) {
	fd, err := unix.Open(procRoot+"/"+strconv.Itoa(pid)+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return procEntry{}, err
	}
	var buf [1024]byte
	n, err := unix.Read(fd, buf[:])
	unix.Close(fd)
	if err != nil {
		return procEntry{}, err
	}
	return parseStat(pid, string(buf[:max(n, 0)]))
}

// parseStat reads the fields a scan needs from one /proc/PID/stat line;
// comm ends at the last ')'.
func parseStat(pid int, s string) (procEntry, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procEntry{}, errors.New("sysprims: malformed stat line")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return procEntry{}, errors.New("sysprims: short stat line")
	}
	e := procEntry{pid: pid, gone: f[0] == "Z" || f[0] == "X" || f[0] == "x"}
	e.ppid, _ = strconv.Atoi(f[1])
	e.pgid, _ = strconv.Atoi(f[2])
	e.sid, _ = strconv.Atoi(f[3])
	start, err := strconv.ParseUint(f[19], 10, 64)
	e.start = start
	return e, err
}

// readEnviron returns the environment of pid, or nil when unreadable.
func readEnviron(pid int) []string {
	b, err := os.ReadFile(procRoot + "/" + strconv.Itoa(pid) + "/environ")
	if err != nil || len(b) == 0 {
		return nil
	}
	var env []string
	for _, kv := range bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0}) {
		if bytes.HasPrefix(kv, []byte("SYSPRIMS_")) {
			env = append(env, string(kv))
		}
	}
	return env
}

// startKey returns the start time of pid in clock ticks since boot.
func startKey(pid int) (uint64, error) {
	e, err := readEntry(pid)
	return e.start, err
}

// liveStart returns the start key of pid, and false when pid is gone or a
// zombie.
func liveStart(pid int) (uint64, bool) {
	e, err := readEntry(pid)
	return e.start, err == nil && !e.gone
}

// sendChecked sends sig to pid only if it is still the process that
// started at start: through a pidfd opened before the check when the
// kernel has them, so a reused pid is never hit.
func sendChecked(pid int, start uint64, sig syscall.Signal) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil
		}
		fd = -1
	}
	if fd >= 0 {
		defer unix.Close(fd)
	}
	if s, err := startKey(pid); err != nil || s != start {
		return nil // gone or reused: not ours any more
	}
	if fd < 0 {
		return ignoreGone(unix.Kill(pid, sig))
	}
	return ignoreGone(unix.PidfdSendSignal(fd, sig, nil, 0))
}
