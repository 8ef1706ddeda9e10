package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

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
		if p.Markers[key] == v && !p.State.Gone() && !sysprimstest.IsHelper(p) {
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
