package sysprimstest

import (
	"os"
	"sync"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// Field selects per-process fields that cost extra reads; [SnapshotWith]
// gathers them. Combine them with |.
type Field uint

// The fields a snapshot gathers only when asked for (see [process.Info]).
const (
	FieldCmdline Field = 1 << iota // Cmdline, the argument vector
	FieldExe                       // ExePath, the executable's path
	FieldUser                      // User and UID, the owner
	FieldMarkers                   // Markers, this library's SYSPRIMS_* variables
)

// detailFields are what this package's reports and judgements read, and
// gather for the few processes they concern.
const detailFields = proc.FieldCmdline | proc.FieldMarkers

// Snapshot returns every process on the machine, sorted by pid, with the
// fields one read per process gives (on Linux /proc/PID/stat): pid, ppid,
// process group, session, name, state, start time, threads and memory.
// [SnapshotWith] adds command lines, markers and more; leak checks and
// matchers read those themselves for the few processes they judge.
func Snapshot() ([]process.Info, error) {
	return proc.Snapshot(proc.Options{})
}

// SnapshotWith is [Snapshot] plus the extra fields asked for, such as
// FieldCmdline|FieldMarkers (each costs reads of every process).
func SnapshotWith(fields Field) ([]process.Info, error) {
	return proc.Snapshot(proc.Options{Fields: proc.Field(fields)})
}

// Descendants returns the live descendants of pid, pid itself excluded,
// found by parent links in one snapshot, with their command lines and
// markers. A process that was reparented (a daemon, a setsid escapee
// whose parent exited) is no longer a descendant by this measure; a tree
// started through this package lists it with [Process.Members] while the
// tree runs, and [Result].Leftovers and Survivors name it afterwards.
func Descendants(pid int) ([]process.Info, error) {
	snap, err := Snapshot()
	if err != nil {
		return nil, err
	}
	return alive(proc.Fill(proc.Descendants(snap, pid), detailFields)), nil
}

// treeProcesses returns the live processes that carry the marker of the
// tree treeID (see [Process.TreeID]), wherever they are now, other than
// this library's helpers. Only trees this test binary started can be
// named: a marker it inherited names nothing.
func treeProcesses(treeID string) ([]process.Info, error) {
	snap, err := Snapshot()
	if err != nil {
		return nil, err
	}
	cands := alive(proc.Fill(startedSinceSelf(alive(snap)), detailFields))
	var out []process.Info
	for _, p := range cands {
		if owner.InTree(p, treeID) {
			out = append(out, p)
		}
	}
	return out, nil
}

// selfStart is when this process started: a marker it minted is carried
// only by processes started later.
var selfStart = sync.OnceValue(func() int64 {
	p, err := proc.Get(os.Getpid(), proc.Options{})
	if err != nil {
		return 0
	}
	return p.StartTimeUnixMs
})

// startedSinceSelf keeps the processes of ps started no earlier than this
// process, other than itself: the only ones that can carry its markers.
func startedSinceSelf(ps []process.Info) []process.Info {
	since, self := selfStart(), os.Getpid()
	out := ps[:0:0]
	for _, p := range ps {
		if p.StartTimeUnixMs >= since && p.PID != self {
			out = append(out, p)
		}
	}
	return out
}

// alive drops zombies and dead tasks: they are gone, whoever reaps them.
func alive(ps []process.Info) []process.Info {
	out := ps[:0:0]
	for _, p := range ps {
		if !p.State.Gone() {
			out = append(out, p)
		}
	}
	return out
}
