package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// HaveNoOrphanDescendants succeeds when no process that descends from
// the actual is alive outside the actual's live subtree: no setsid or
// double-fork escapee that was reparented, no child left behind by a root
// that exited. It fails naming each such process on one line with how it
// escaped, in the words every report of this library uses ("escaped via
// setsid", "new process group", "reparented to pid N (daemonized)",
// "child of escaped pid N", "outlived its parent, the root").
//
// The actual is one of:
//   - a *sysprimstest.Process: its members are found by the tree marker
//     wherever they moved; after the root has exited every live member
//     is an orphan;
//   - a pid (int) of a live tree root started through this test binary:
//     its markers are read and used the same way (a pid that is not
//     running, carries no tree marker this binary minted, or is not the
//     root of its tree is an error; a marker inherited from a wrapper
//     such as sysprims-leakcheck run names the wrapper's tree, not this
//     one);
//   - a snapshot of a tree taken while it lived ([]process.Info
//     including the root, as [sysprimstest.Process.Members] returns
//     it): its earliest-started process is the root, and the others are
//     judged by identity (pid and start time).
//
// A process that clears its environment loses its markers and is found
// only through parent links.
//
//	p.Stop()
//	Expect(p).To(HaveNoOrphanDescendants())
func HaveNoOrphanDescendants() types.GomegaMatcher {
	return &noOrphansMatcher{snapshot: sysprimstest.Snapshot}
}

type noOrphansMatcher struct {
	snapshot func() ([]process.Info, error)
	orphans  []orphan
	rootGone bool
}

func (m *noOrphansMatcher) Match(actual any) (bool, error) {
	members, root, snap, err := m.tree(actual)
	if err != nil {
		return false, err
	}
	m.orphans, m.rootGone = findOrphans(snap, members, root), !root.alive
	return len(m.orphans) == 0, nil
}

// tree takes one snapshot and finds in it the members and root of the
// actual's tree.
func (m *noOrphansMatcher) tree(actual any) ([]process.Info, treeRoot, []process.Info, error) {
	if !orphanSubject(actual) {
		return nil, treeRoot{}, nil, fmt.Errorf("sysprims: HaveNoOrphanDescendants expects a *sysprimstest.Process, a pid (int) or a []process.Info, got:\n%s",
			format.Object(actual, 1))
	}
	exited := false
	if p, ok := actual.(*sysprimstest.Process); ok {
		_, _, exited = p.ExitStatus() // before the snapshot: a root seen alive was alive
	}
	snap, err := m.snapshot()
	if err != nil {
		return nil, treeRoot{}, nil, fmt.Errorf("sysprims: HaveNoOrphanDescendants: %w", err)
	}
	snap = detailed(snap)
	var members []process.Info
	var root treeRoot
	switch a := actual.(type) {
	case *sysprimstest.Process:
		members, root = processTree(a, exited, snap)
	case int:
		members, root, err = pidTree(a, snap)
	case []process.Info:
		members, root = snapshotTree(a, snap)
	}
	return members, root, snap, err
}

// orphanSubject reports whether HaveNoOrphanDescendants can judge actual.
func orphanSubject(actual any) bool {
	switch a := actual.(type) {
	case *sysprimstest.Process:
		return a != nil
	case int, []process.Info:
		return true
	}
	return false
}

func (m *noOrphansMatcher) FailureMessage(actual any) string {
	gone := ""
	if m.rootGone {
		gone = " (its root has exited)"
	}
	return message(actual, fmt.Sprintf("to have no orphan descendants, but %d process(es) live outside its tree%s:%s",
		len(m.orphans), gone, orphanLines(m.orphans)))
}

func (m *noOrphansMatcher) NegatedFailureMessage(actual any) string {
	return message(actual, "to have orphan descendants, but none lives outside its tree")
}

// MatchMayChangeInTheFuture is true for anything the matcher can judge:
// orphans can appear and die at any time.
func (m *noOrphansMatcher) MatchMayChangeInTheFuture(actual any) bool {
	return orphanSubject(actual)
}
