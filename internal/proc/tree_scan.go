//go:build darwin || windows

package proc

// ChildrenOf returns the pids of the direct children of pid, sorted, from
// the parent links of one snapshot.
func ChildrenOf(pid int) ([]int, error) {
	snap, err := Snapshot(Options{})
	if err != nil {
		return nil, err
	}
	return childrenInSnapshot(snap, pid)
}

// TreePIDs returns pid followed by all its descendants, parents before
// children, from the parent links of one snapshot.
func TreePIDs(pid int) ([]int, error) {
	snap, err := Snapshot(Options{})
	if err != nil {
		return nil, err
	}
	return treeInSnapshot(snap, pid)
}
