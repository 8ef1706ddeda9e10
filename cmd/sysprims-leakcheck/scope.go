package main

import (
	"errors"
	"fmt"
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

// pick is a process in check's scope. held says why --kill only reports
// it; "" when --kill removes it.
type pick struct {
	proc.ProcessInfo
	held string
}

// selectIn returns the processes of snap (default fields) in scope, with
// scopeFields filled in, and how many the guard took out. A process the
// guard finds not provably ours ([owner.ErrNotOurs]: it carries a helper's
// marker, say) stays in scope, held: reported, not removed. So does a
// pipeline partner ([owner.ErrPartner]): a daemon that kept the caller's
// output pipe is a leak, and must not be killed. One the guard otherwise
// protects ([owner.ErrProtected]: an ancestor, a helper of a live run) is
// left out.
func (sc scope) selectIn(snap []proc.ProcessInfo) (in []pick, guarded int) {
	cands := sc.detached(snap)
	infos := make([]proc.ProcessInfo, len(cands))
	for i := range cands {
		infos[i] = cands[i].ProcessInfo
	}
	if sc.fill != nil {
		sc.fill(infos)
	} else {
		proc.Fill(infos, scopeFields)
	}
	for i, p := range infos {
		c := pick{ProcessInfo: p, held: cands[i].held}
		if !sc.mine(p) || !sc.marked(p) {
			continue
		}
		var err error
		if sc.guard != nil {
			err = sc.guard(p)
		}
		switch {
		case errors.Is(err, owner.ErrPartner) && c.held == "":
			c.held = "shares the caller's pipe: reported, not removed (" + err.Error() + ")"
		case errors.Is(err, owner.ErrPartner):
		case errors.Is(err, owner.ErrProtected):
			guarded++
			continue
		case err != nil && c.held == "":
			c.held = "reported, not removed: " + err.Error()
		}
		in = append(in, c)
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

// hang says how a new process hangs in the process tree.
type hang int

const (
	hangAttached    hang = iota // a live parent (not the reaper) holds it: out of the default scope
	hangDetached                // it hangs off nothing alive but the reaper: in scope
	hangBelowReaper             // it hangs off a reaper that is not init, with no proof it escaped: reported only
)

// detached returns the new processes of snap that are detached (or every
// new one, with --attached), parents before children. Those that hang
// off a reaper that is not init without proof they escaped are held.
func (sc scope) detached(snap []proc.ProcessInfo) []pick {
	byPID := make(map[int]proc.ProcessInfo, len(snap))
	for _, p := range snap {
		byPID[p.PID] = p
	}
	memo := make(map[int]hang)
	var out []pick
	for _, p := range snap {
		if !sc.isNew(p) {
			continue
		}
		v := hangDetached
		if !sc.attached {
			v = sc.hangs(p, byPID, memo, 0)
		}
		switch v {
		case hangDetached:
			out = append(out, pick{ProcessInfo: p})
		case hangBelowReaper:
			out = append(out, pick{ProcessInfo: p, held: fmt.Sprintf("below the subreaper %d (not init), not provably detached: reported, not removed", sc.reaper)})
		}
	}
	return out
}

// hangs judges the new process p: detached when its parent is the
// reaper, or a new process that is detached itself. Below a reaper that
// is not init (a test binary, a CI agent, systemd --user), the reaper's
// direct children are its own live children too, a sibling test's server
// say: only one that provably escaped counts ([escaped]); the others, and
// what runs below them, hang below the reaper (reported only). Where the system does not
// reparent orphans (no reaper: Windows), a parent that is gone, or whose
// pid now names a younger process, counts as the reaper. On Unix a parent
// missing from the snapshot is unknown (hidden by hidepid, say), not gone.
func (sc scope) hangs(p proc.ProcessInfo, byPID map[int]proc.ProcessInfo, memo map[int]hang, depth int) hang {
	if v, ok := memo[p.PID]; ok {
		return v
	}
	parent, seen := byPID[p.PPID]
	v := hangAttached
	switch {
	case sc.reaper == 1 && p.PPID == 1:
		v = hangDetached
	case sc.reaper > 1 && p.PPID == sc.reaper:
		v = hangBelowReaper
		if seen && escaped(p, parent) {
			v = hangDetached
		}
	case sc.reaper == 0 && p.PPID > 0 && (!seen || parent.StartTimeUnixMs > p.StartTimeUnixMs):
		v = hangDetached
	case seen && depth < 256 && sc.isNew(parent):
		v = sc.hangs(parent, byPID, memo, depth+1)
	}
	memo[p.PID] = v
	return v
}

// escaped reports whether p, a child of the reaper r, provably was not
// forked by r but reparented to it: a fork inherits its parent's session,
// and setsid makes a process its own session's leader, so a child in a
// session that is neither r's nor its own was forked by another process,
// since gone (a daemon's double fork). A session leader (sid == pid) is
// no proof: r may have started it with setsid. Sid 0 is a session whose
// leader lies outside this pid namespace: two such sessions cannot be
// told apart, so they count as the same. best_effort: a reaper that
// called setsid after forking p makes p look escaped.
func escaped(p, r proc.ProcessInfo) bool {
	return p.SID != r.SID && p.SID != p.PID
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
