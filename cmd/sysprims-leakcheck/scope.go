package main

import (
	"strings"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
)

// startSlack is how far apart two snapshots taken by different processes
// may place the start of the same process: start times derive from the
// boot time, which the kernel reports in whole seconds and which moves
// when the wall clock is adjusted. A pid whose start time moved further
// than this is a reused pid, a new process.
const startSlack = 1500 * time.Millisecond

// scopeFields are read for the processes that are new and detached, and
// for no others: the uid and markers decide, the command line names.
const scopeFields = proc.FieldUser | proc.FieldMarkers | proc.FieldCmdline

// scope says which processes check reports, and with --kill removes. By
// default a process is in scope when it is new since the baseline, runs
// as the caller's uid and is detached: its parent is the reaper (where the
// kernel reparents the caller's orphans), or gone, or itself new and
// detached. The guard ([owner.Guard]) then takes out what is never ours.
type scope struct {
	taken    time.Time                      // the baseline's timestamp
	known    map[int][]int64                // start times of the baseline's processes, by pid
	self     int                            // the caller: never in scope
	probe    proc.Identity                  // the reaper probe's own process, if it lingers
	reaper   int                            // where orphans go: pid 1 or a subreaper; 0 if none (Windows)
	attached bool                           // --attached: a live parent does not take a process out
	uid      int                            // the caller's effective uid; -1 for any (--any-user)
	markers  []markerSel                    // --marker: keep only processes carrying one of these
	guard    func(p proc.ProcessInfo) error // nil, or why p is never ours
	fill     func([]proc.ProcessInfo)       // gathers scopeFields; nil: proc.Fill
}

// markerSel is one --marker KEY[=VALUE].
type markerSel struct {
	key, value string
	anyValue   bool
}

// parseMarker reads KEY or KEY=VALUE; the key must be a SYSPRIMS_ marker.
func parseMarker(s string) (markerSel, bool) {
	k, v, hasValue := strings.Cut(s, "=")
	if !strings.HasPrefix(k, owner.Prefix) || len(k) == len(owner.Prefix) {
		return markerSel{}, false
	}
	return markerSel{key: k, value: v, anyValue: !hasValue}, true
}

func (m markerSel) match(p proc.ProcessInfo) bool {
	v, ok := p.Markers[m.key]
	return ok && (m.anyValue || v == m.value)
}

// newScope returns the default scope for a baseline.
func newScope(base baselineDoc, self int) scope {
	known := make(map[int][]int64, len(base.Processes))
	for _, p := range base.Processes {
		known[p.PID] = append(known[p.PID], p.StartTimeUnixMs)
	}
	return scope{taken: base.Taken, known: known, self: self, reaper: 1, uid: -1}
}

// selectIn returns the processes of snap (default fields) in scope, with
// scopeFields filled in, and how many the guard took out.
func (sc scope) selectIn(snap []proc.ProcessInfo) (in []proc.ProcessInfo, guarded int) {
	cands := sc.detached(snap)
	if sc.fill != nil {
		sc.fill(cands)
	} else {
		proc.Fill(cands, scopeFields)
	}
	for _, p := range cands {
		switch {
		case !sc.mine(p) || !sc.marked(p):
		case sc.guard != nil && sc.guard(p) != nil:
			guarded++
		default:
			in = append(in, p)
		}
	}
	return in, guarded
}

// isNew reports whether p is a live process that appeared after the
// baseline: not in it (by pid and start time), started no earlier than
// it, and neither the caller, its probe nor a kernel thread.
func (sc scope) isNew(p proc.ProcessInfo) bool {
	switch {
	case p.State.Gone(), p.KernelThread, p.PID == sc.self, p.ID() == sc.probe:
		return false
	case inBaseline(sc.known[p.PID], p.StartTimeUnixMs):
		return false
	}
	return p.StartTimeUnixMs >= sc.taken.Add(-startSlack).UnixMilli()
}

// detached returns the new processes of snap that are detached (or every
// new one, with --attached), parents before children.
func (sc scope) detached(snap []proc.ProcessInfo) []proc.ProcessInfo {
	byPID := make(map[int]proc.ProcessInfo, len(snap))
	for _, p := range snap {
		byPID[p.PID] = p
	}
	memo := make(map[int]bool)
	var out []proc.ProcessInfo
	for _, p := range snap {
		if sc.isNew(p) && (sc.attached || sc.isDetached(p, byPID, memo, 0)) {
			out = append(out, p)
		}
	}
	return out
}

// isDetached reports whether the new process p hangs off nothing alive
// but the reaper: its parent is the reaper, or a new process that is
// detached itself. Where the system does not reparent orphans (no reaper:
// Windows), a parent that is gone, or whose pid now names a younger
// process, counts as the reaper. On Unix a parent missing from the
// snapshot is unknown (hidden by hidepid, say), not gone.
func (sc scope) isDetached(p proc.ProcessInfo, byPID map[int]proc.ProcessInfo, memo map[int]bool, depth int) bool {
	if d, ok := memo[p.PID]; ok {
		return d
	}
	parent, seen := byPID[p.PPID]
	var d bool
	switch {
	case sc.reaper > 0 && p.PPID == sc.reaper:
		d = true
	case sc.reaper == 0 && p.PPID > 0 && (!seen || parent.StartTimeUnixMs > p.StartTimeUnixMs):
		d = true
	case seen && depth < 256 && sc.isNew(parent):
		d = sc.isDetached(parent, byPID, memo, depth+1)
	}
	memo[p.PID] = d
	return d
}

// mine reports whether p runs as the scope's uid (any, with --any-user).
// A process whose owner could not be read is not.
func (sc scope) mine(p proc.ProcessInfo) bool {
	return sc.uid < 0 || (p.User != "" && p.UID == sc.uid)
}

// marked reports whether p carries one of the --marker markers (true
// without --marker).
func (sc scope) marked(p proc.ProcessInfo) bool {
	if len(sc.markers) == 0 {
		return true
	}
	for _, m := range sc.markers {
		if m.match(p) {
			return true
		}
	}
	return false
}

// inBaseline reports whether start is within startSlack of one of starts
// (unix ms). The distance is taken without overflow: a baseline is read
// from a file, and a wrapped difference of extreme values would hide a
// new process.
func inBaseline(starts []int64, start int64) bool {
	slack := uint64(startSlack.Milliseconds())
	for _, s := range starts {
		lo, hi := min(s, start), max(s, start)
		if uint64(hi)-uint64(lo) <= slack {
			return true
		}
	}
	return false
}
