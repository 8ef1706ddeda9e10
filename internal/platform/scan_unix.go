//go:build unix && !linux

package platform

import (
	"fmt"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/proc"
	"golang.org/x/sys/unix"
)

// scanEntries takes one snapshot of every process (with markers when
// asked for).
func scanEntries(markers []string) ([]procEntry, error) {
	opts := proc.Options{}
	if len(markers) > 0 {
		opts.Fields = proc.FieldMarkers
	}
	snap, err := proc.Snapshot(opts)
	if err != nil {
		return nil, fmt.Errorf("sysprims: scan processes: %w", err)
	}
	out := make([]procEntry, len(snap))
	for i, p := range snap {
		out[i] = entryOf(p, markers)
	}
	return out, nil
}

func entryOf(p proc.ProcessInfo, markers []string) procEntry {
	e := procEntry{pid: p.PID, ppid: p.PPID, pgid: p.PGID, sid: p.SID, start: uint64(p.StartTimeUnixMs), gone: p.State.Gone()}
	if len(markers) > 0 {
		env := make([]string, 0, len(p.Markers))
		for k, v := range p.Markers {
			env = append(env, k+"="+v)
		}
		e.marked = hasMarkers(env, markers)
	}
	return e
}

// startKey returns the start time of pid in Unix milliseconds.
func startKey(pid int) (uint64, error) {
	p, err := proc.Get(pid, proc.Options{})
	return uint64(p.StartTimeUnixMs), err
}

// liveStart returns the start key of pid, and false when pid is gone or a
// zombie.
func liveStart(pid int) (uint64, bool) {
	p, err := proc.Get(pid, proc.Options{})
	return uint64(p.StartTimeUnixMs), err == nil && !p.State.Gone()
}

// sendChecked sends sig to pid if it still started at start. Best effort:
// without pidfds the check and kill(2) are separate steps.
func sendChecked(pid int, start uint64, sig syscall.Signal) error {
	if s, err := startKey(pid); err != nil || s != start {
		return nil
	}
	return ignoreGone(unix.Kill(pid, sig))
}
