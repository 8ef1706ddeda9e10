package matchers

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/onsi/gomega/format"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// treeRoot is where a tree's root is now, and which session and process
// groups count as the tree's own when judging how a member escaped.
type treeRoot struct {
	pid   int
	alive bool
	sids  []int
	pgids []int
}

// orphan is a member of a tree alive outside its root's live subtree.
type orphan struct {
	process.Info
	how string
}

func (o orphan) String() string { return owner.Line(o.Info) + " (" + o.how + ")" }

// findOrphans returns the members that are alive outside the root's live
// subtree (all live members when the root is gone), each with how it got
// there in owner's words.
func findOrphans(snap, members []process.Info, root treeRoot) []orphan {
	tree := owner.Tree{Root: root.pid, RootAlive: root.alive, SIDs: root.sids, PGIDs: root.pgids,
		Inside: map[int]bool{}, Escaped: map[int]bool{}}
	if root.alive {
		tree.Inside = subtree(snap, root.pid)
	}
	for _, m := range members {
		if !m.State.Gone() && !tree.Inside[m.PID] {
			tree.Escaped[m.PID] = true
		}
	}
	var out []orphan
	for _, m := range members {
		if tree.Escaped[m.PID] {
			out = append(out, orphan{m, owner.Describe(owner.Classify(m, tree), m)})
		}
	}
	return out
}

// orphanLines formats orphans one per line, indented.
func orphanLines(orphans []orphan) string {
	var b strings.Builder
	for _, o := range orphans {
		b.WriteString("\n" + format.Indent + o.String())
	}
	return b.String()
}

// withOwnRefs adds the test process's own session and group, and the root's
// pid, to r's references: what a member of a tree started by this process
// has unless it escaped. It is used when the root is gone and its own
// session and group can no longer be read.
func (r treeRoot) withOwnRefs(snap []process.Info) treeRoot {
	r.sids = append(r.sids, r.pid)
	r.pgids = append(r.pgids, r.pid)
	if self, ok := find(snap, os.Getpid()); ok {
		r.sids = append(r.sids, self.SID)
		r.pgids = append(r.pgids, self.PGID)
	}
	return r
}

// rootFrom makes a treeRoot from the root's own entry.
func rootFrom(p process.Info, alive bool) treeRoot {
	return treeRoot{pid: p.PID, alive: alive, sids: []int{p.SID}, pgids: []int{p.PGID}}
}

// processTree finds the members and root of the tree of a Process.
// exited says whether the root had exited before snap was taken.
func processTree(p *sysprimstest.Process, exited bool, snap []process.Info) ([]process.Info, treeRoot) {
	members := treeMembers(snap, p.TreeID())
	if info, ok := find(snap, p.Pid()); ok && !exited && !info.State.Gone() {
		return members, rootFrom(info, true)
	}
	return members, treeRoot{pid: p.Pid()}.withOwnRefs(snap)
}

// errNoTree explains why a pid cannot be judged.
var errNoTree = errors.New("sysprims: HaveNoOrphanDescendants")

// pidTree finds the members and root of the tree rooted at pid, which
// must be alive, carry a tree marker this test binary minted (one
// inherited from a wrapper names the wrapper's tree, never this one) and
// be the root of that tree.
func pidTree(pid int, snap []process.Info) ([]process.Info, treeRoot, error) {
	info, ok := find(snap, pid)
	if !ok || info.State.Gone() {
		return nil, treeRoot{}, fmt.Errorf("%w: pid %d is not running; pass its *sysprimstest.Process, or a snapshot of its tree taken while it lived", errNoTree, pid)
	}
	id := owner.TreeOf(info)
	if id == "" {
		return nil, treeRoot{}, fmt.Errorf("%w: pid %d carries no %s marker of this test binary (was it started through sysprimstest?), so its escaped descendants cannot be found", errNoTree, pid, owner.EnvTreeID)
	}
	if parent, ok := find(snap, info.PPID); ok && owner.InTree(parent, id) {
		return nil, treeRoot{}, fmt.Errorf("%w: pid %d is not the root of tree %s (its parent %d is a member too); pass the root", errNoTree, pid, id, info.PPID)
	}
	return treeMembers(snap, id), rootFrom(info, true), nil
}

// snapshotTree judges a snapshot of a tree taken while it lived: its
// earliest-started process is the root, and the others are the members,
// found again in snap by identity.
func snapshotTree(listing, snap []process.Info) ([]process.Info, treeRoot) {
	if len(listing) == 0 {
		return nil, treeRoot{}
	}
	root := rootOfListing(listing)
	var members []process.Info
	for _, p := range listing {
		if p.ID() == root.ID() {
			continue
		}
		if now, ok := live(snap, p.ID()); ok {
			members = append(members, now)
		}
	}
	_, alive := live(snap, root.ID())
	return members, rootFrom(root, alive)
}

// rootOfListing picks the root of a tree listing: the earliest-started
// process, preferring on a tie one whose parent is not in the listing.
func rootOfListing(listing []process.Info) process.Info {
	pids := make(map[int]bool, len(listing))
	for _, p := range listing {
		pids[p.PID] = true
	}
	earlier := func(a, b process.Info) bool {
		if a.StartTimeUnixMs != b.StartTimeUnixMs {
			return a.StartTimeUnixMs < b.StartTimeUnixMs
		}
		return !pids[a.PPID] && pids[b.PPID]
	}
	best := listing[0]
	for _, p := range listing[1:] {
		if earlier(p, best) {
			best = p
		}
	}
	return best
}
