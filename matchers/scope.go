package matchers

import (
	"fmt"
	"os"

	"github.com/onsi/gomega/format"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// find returns the entry for pid in snap.
func find(snap []process.Info, pid int) (process.Info, bool) {
	for _, p := range snap {
		if p.PID == pid {
			return p, true
		}
	}
	return process.Info{}, false
}

// live reports whether p is in snap with the same identity and running.
func live(snap []process.Info, id process.Identity) (process.Info, bool) {
	p, ok := find(snap, id.PID)
	if !ok || p.ID() != id || p.State.Gone() {
		return process.Info{}, false
	}
	return p, true
}

// subtree returns the pids of root and its live descendants by parent
// links in snap.
func subtree(snap []process.Info, root int) map[int]bool {
	set := map[int]bool{root: true}
	for _, p := range proc.Descendants(snap, root) {
		if !p.State.Gone() {
			set[p.PID] = true
		}
	}
	return set
}

// treeMembers returns the live, non-helper processes of snap that carry
// the tree marker id, minted by this test binary.
func treeMembers(snap []process.Info, id string) []process.Info {
	var out []process.Info
	for _, p := range snap {
		if owner.InTree(p, id) && !p.State.Gone() {
			out = append(out, p)
		}
	}
	return out
}

// detailed reads, in place, the markers and command lines of the live
// processes of snap that lack them and started no earlier than the test
// process (the only ones that can carry a marker it minted), and returns
// snap.
func detailed(snap []process.Info) []process.Info {
	self, known := find(snap, os.Getpid())
	var idx []int
	var part []process.Info
	for i, p := range snap {
		if p.Markers == nil && !p.State.Gone() && (!known || p.StartTimeUnixMs >= self.StartTimeUnixMs) {
			idx = append(idx, i)
			part = append(part, p)
		}
	}
	proc.Fill(part, owner.Fields)
	for k, i := range idx {
		snap[i] = part[k]
	}
	return snap
}

// renderSnapshot shows a snapshot in a message one process per line,
// rather than as Gomega's field-by-field dump.
func renderSnapshot(ps []process.Info) string {
	return fmt.Sprintf("%s<%T | len:%d>:%s", format.Indent, ps, len(ps), owner.Lines(ps, format.Indent))
}
