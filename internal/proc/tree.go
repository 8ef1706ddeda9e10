package proc

import (
	"cmp"
	"slices"
)

// Descendants returns the descendants of pid found by following parent
// links within one snapshot, sorted by pid; pid itself is not included.
// A process reparented before the snapshot (a daemon, a setsid escapee
// whose parent exited) is not a descendant by this measure.
func Descendants(snap []ProcessInfo, pid int) []ProcessInfo {
	kids := childIndex(snap)
	seen := map[int]bool{pid: true}
	var out []ProcessInfo
	queue := []int{pid}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		for _, i := range kids[parent] {
			if c := snap[i]; !seen[c.PID] {
				seen[c.PID] = true
				out = append(out, c)
				queue = append(queue, c.PID)
			}
		}
	}
	sortByPID(out)
	return out
}

// childIndex maps each ppid to the indexes of its children in snap.
func childIndex(snap []ProcessInfo) map[int][]int {
	kids := make(map[int][]int, len(snap))
	for i, p := range snap {
		if p.PID != p.PPID {
			kids[p.PPID] = append(kids[p.PPID], i)
		}
	}
	return kids
}

// childrenInSnapshot returns the sorted pids whose parent is pid, or an
// error wrapping ErrNotFound when pid is not in snap.
func childrenInSnapshot(snap []ProcessInfo, pid int) ([]int, error) {
	if !containsPID(snap, pid) {
		return nil, processErr(pid, ErrNotFound)
	}
	var out []int
	for _, p := range snap {
		if p.PPID == pid && p.PID != pid {
			out = append(out, p.PID)
		}
	}
	return out, nil
}

// treeInSnapshot returns pid and its descendants by parent links in snap,
// parents before children.
func treeInSnapshot(snap []ProcessInfo, pid int) ([]int, error) {
	if !containsPID(snap, pid) {
		return nil, processErr(pid, ErrNotFound)
	}
	kids := childIndex(snap)
	out := []int{pid}
	seen := map[int]bool{pid: true}
	for i := 0; i < len(out); i++ {
		for _, j := range kids[out[i]] {
			if c := snap[j].PID; !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// containsPID reports whether the pid-sorted snap holds pid.
func containsPID(snap []ProcessInfo, pid int) bool {
	_, ok := findPID(snap, pid)
	return ok
}

// findPID returns the process pid of the pid-sorted ps.
func findPID(ps []ProcessInfo, pid int) (ProcessInfo, bool) {
	i, ok := slices.BinarySearchFunc(ps, pid, func(p ProcessInfo, pid int) int { return cmp.Compare(p.PID, pid) })
	if !ok {
		return ProcessInfo{}, false
	}
	return ps[i], true
}

// Merge returns a and the processes of b whose pid a lacks, sorted by
// pid: one list of what two looks at the same processes found. T is a
// process or anything that carries one (a leak check's finding); a may
// be reused.
func Merge[T interface{ ID() Identity }](a, b []T) []T {
	for _, p := range b {
		if !slices.ContainsFunc(a, func(q T) bool { return q.ID().PID == p.ID().PID }) {
			a = append(a, p)
		}
	}
	slices.SortFunc(a, func(x, y T) int { return x.ID().PID - y.ID().PID })
	return a
}

// IDs returns the identities of ps, in order.
func IDs[T interface{ ID() Identity }](ps []T) []Identity {
	out := make([]Identity, len(ps))
	for i, p := range ps {
		out[i] = p.ID()
	}
	return out
}
