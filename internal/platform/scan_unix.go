//go:build unix

package platform

import (
	"fmt"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// scanEntries takes one snapshot of every process (internal/proc does
// the parsing). Markers are not read: a marker proves nothing, and a
// container's members are what its root's group, session and parent
// links show, and what it saw by identity.
func scanEntries() ([]procEntry, error) {
	snap, err := proc.Snapshot(proc.Options{})
	if err != nil {
		return nil, fmt.Errorf("sysprims: scan processes: %w", err)
	}
	out := make([]procEntry, len(snap))
	for i, p := range snap {
		out[i] = entryOf(p)
	}
	return out, nil
}

func entryOf(p proc.ProcessInfo) procEntry {
	return procEntry{pid: p.PID, ppid: p.PPID, pgid: p.PGID, sid: p.SID, start: p.StartTimeUnixMs, gone: p.State.Gone()}
}

// liveEntries returns those of pids that still run (not zombies), with
// their identities.
func liveEntries(pids []int) []procEntry {
	var out []procEntry
	for _, p := range proc.GetEach(pids, proc.Options{}) {
		if !p.State.Gone() {
			out = append(out, entryOf(p))
		}
	}
	return out
}

// startKey returns the start time of pid in Unix milliseconds, the start
// half of its [proc.Identity].
func startKey(pid int) (int64, error) {
	p, err := proc.Get(pid, proc.Options{})
	return p.StartTimeUnixMs, err
}

// liveStart returns the start key of pid, and false when pid is gone or a
// zombie.
func liveStart(pid int) (int64, bool) {
	p, err := proc.Get(pid, proc.Options{})
	return p.StartTimeUnixMs, err == nil && !p.State.Gone()
}

// sendChecked sends sig to the process pid that started at start, and
// only to it ([signal.SendIdentity]: through a pidfd where the kernel has
// them); one that is gone or whose pid was reused needs no signal.
func sendChecked(pid int, start int64, sig syscall.Signal) error {
	return sendID(proc.Identity{PID: pid, StartTimeUnixMs: start}, sig)
}
