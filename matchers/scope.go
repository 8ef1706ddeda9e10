package matchers

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/format"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// helperMarkerPrefixes mark this library's own helper processes (the
// subreaper shim, the cgroup guardian). They end with the trees or the
// binary they serve and are never members, orphans or leaks.
var helperMarkerPrefixes = []string{"SYSPRIMS_SHIM", "SYSPRIMS_GUARDIAN"}

// isHelper reports whether p is one of this library's helper processes.
func isHelper(p sysprimstest.ProcessInfo) bool {
	for k := range p.Markers {
		for _, prefix := range helperMarkerPrefixes {
			if strings.HasPrefix(k, prefix) {
				return true
			}
		}
	}
	return false
}

// find returns the entry for pid in snap.
func find(snap []sysprimstest.ProcessInfo, pid int) (sysprimstest.ProcessInfo, bool) {
	for _, p := range snap {
		if p.PID == pid {
			return p, true
		}
	}
	return sysprimstest.ProcessInfo{}, false
}

// live reports whether p is in snap with the same identity and running.
func live(snap []sysprimstest.ProcessInfo, id proc.Identity) (sysprimstest.ProcessInfo, bool) {
	p, ok := find(snap, id.PID)
	if !ok || p.ID() != id || p.State.Gone() {
		return sysprimstest.ProcessInfo{}, false
	}
	return p, true
}

// subtree returns the pids of root and its live descendants by parent
// links in snap.
func subtree(snap []sysprimstest.ProcessInfo, root int) map[int]bool {
	set := map[int]bool{root: true}
	for _, p := range proc.Descendants(snap, root) {
		if !p.State.Gone() {
			set[p.PID] = true
		}
	}
	return set
}

// markedWith returns the live, non-helper processes of snap whose
// marker key has value v.
func markedWith(snap []sysprimstest.ProcessInfo, key, v string) []sysprimstest.ProcessInfo {
	var out []sysprimstest.ProcessInfo
	for _, p := range snap {
		if p.Markers[key] == v && !p.State.Gone() && !isHelper(p) {
			out = append(out, p)
		}
	}
	return out
}

// renderSnapshot shows a snapshot in a message one process per line,
// rather than as Gomega's field-by-field dump.
func renderSnapshot(ps []sysprimstest.ProcessInfo) string {
	return fmt.Sprintf("%s<%T | len:%d>:%s", format.Indent, ps, len(ps), processLines(ps))
}
