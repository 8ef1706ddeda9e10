package main

import (
	"strings"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// startSlack is how far apart two snapshots taken by different processes
// may place the start of the same process: start times derive from the
// boot time, which the kernel reports in whole seconds and which moves
// when the wall clock is adjusted. A pid whose start time moved further
// than this is a reused pid, a new process.
const startSlack = 1500 * time.Millisecond

// scope says which processes new since a baseline are reported.
type scope struct {
	taken     time.Time    // the baseline's timestamp
	uid       int          // the caller's uid; -1 when the platform has none
	protected map[int]bool // never reported nor killed: pid 1, the caller, its parent chain
	markers   []markerSel  // --marker: keep only processes carrying one of these
	isKernel  func(proc.ProcessInfo) bool
}

// markerSel is one --marker KEY[=VALUE].
type markerSel struct {
	key, value string
	anyValue   bool
}

// parseMarker reads KEY or KEY=VALUE; the key must be a SYSPRIMS_ marker.
func parseMarker(s string) (markerSel, bool) {
	k, v, hasValue := strings.Cut(s, "=")
	if !strings.HasPrefix(k, "SYSPRIMS_") || len(k) == len("SYSPRIMS_") {
		return markerSel{}, false
	}
	return markerSel{key: k, value: v, anyValue: !hasValue}, true
}

func (m markerSel) match(p proc.ProcessInfo) bool {
	v, ok := p.Markers[m.key]
	return ok && (m.anyValue || v == m.value)
}

// newSince returns the live processes of now that are not in base,
// restricted by sc. Identity is pid and start time (within startSlack).
func newSince(base baselineDoc, now []proc.ProcessInfo, sc scope) []proc.ProcessInfo {
	known := make(map[int][]int64, len(base.Processes))
	for _, p := range base.Processes {
		known[p.PID] = append(known[p.PID], p.StartTimeUnixMs)
	}
	var out []proc.ProcessInfo
	for _, p := range now {
		if p.State.Gone() || sc.protected[p.PID] || inBaseline(known[p.PID], p.StartTimeUnixMs) {
			continue
		}
		if sc.isKernel != nil && sc.isKernel(p) {
			continue
		}
		if sc.inScope(p) {
			out = append(out, p)
		}
	}
	return out
}

func inBaseline(starts []int64, start int64) bool {
	for _, s := range starts {
		d := time.Duration(start-s) * time.Millisecond
		if d < 0 {
			d = -d
		}
		if d <= startSlack {
			return true
		}
	}
	return false
}

// inScope keeps processes carrying a SYSPRIMS_ marker, or started after
// the baseline by the caller's user; and, with --marker, only those
// carrying one of the markers asked for.
func (sc scope) inScope(p proc.ProcessInfo) bool {
	if len(sc.markers) > 0 && !sc.anyMarker(p) {
		return false
	}
	if len(p.Markers) > 0 {
		return true
	}
	after := p.StartTimeUnixMs >= sc.taken.Add(-startSlack).UnixMilli()
	return sc.uid >= 0 && p.UID == sc.uid && after
}

func (sc scope) anyMarker(p proc.ProcessInfo) bool {
	for _, m := range sc.markers {
		if m.match(p) {
			return true
		}
	}
	return false
}

// protectedPIDs returns pid 1, self and self's ancestors found in snap.
func protectedPIDs(self int, snap []proc.ProcessInfo) map[int]bool {
	parent := make(map[int]int, len(snap))
	for _, p := range snap {
		parent[p.PID] = p.PPID
	}
	prot := map[int]bool{1: true}
	for pid := self; pid > 0 && !prot[pid]; pid = parent[pid] {
		prot[pid] = true
	}
	return prot
}
