package platform

// procEntry is one process as a membership scan sees it. start is its
// start time in Unix ms as internal/proc reports it: with pid, the
// process's [process.Identity], which tells a reused pid apart.
type procEntry struct {
	pid, ppid, pgid, sid int
	start                int64
	gone                 bool // zombie or dead
}

// treeRule says which processes of a scan belong to one tree.
type treeRule struct {
	root      int
	rootStart int64
	seen      map[int]int64 // members seen before, by pid, with their start
	exclude   []int         // never members (the caller, init)
}

// selectMembers returns the live members of a scan under rule r: the root
// and everything in its process group or session (unless the root's pid
// now belongs to another process), everything seen before (by identity),
// and every descendant of those by parent links.
func selectMembers(scan []procEntry, r treeRule) []procEntry {
	rootOK := true
	for _, e := range scan {
		if e.pid == r.root && e.start != r.rootStart {
			rootOK = false
		}
	}
	in := make(map[int]bool)
	children := make(map[int][]int)
	byPID := make(map[int]procEntry, len(scan))
	for _, e := range scan {
		byPID[e.pid] = e
		children[e.ppid] = append(children[e.ppid], e.pid)
		if r.seed(e, rootOK) {
			in[e.pid] = true
		}
	}
	queue := make([]int, 0, len(in))
	for pid := range in {
		queue = append(queue, pid)
	}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			if !in[c] {
				in[c] = true
				queue = append(queue, c)
			}
		}
	}
	return r.keep(scan, in)
}

// seed reports whether e belongs to the tree by itself.
func (r treeRule) seed(e procEntry, rootOK bool) bool {
	if rootOK && (e.pid == r.root || e.pgid == r.root || e.sid == r.root) {
		return true
	}
	s, ok := r.seen[e.pid]
	return ok && s == e.start // a marker alone proves nothing: never a seed
}

// keep returns the live entries of scan that are in, minus exclusions.
func (r treeRule) keep(scan []procEntry, in map[int]bool) []procEntry {
	var out []procEntry
	for _, e := range scan {
		if in[e.pid] && !e.gone && !r.excluded(e.pid) {
			out = append(out, e)
		}
	}
	return out
}

func (r treeRule) excluded(pid int) bool {
	if pid <= 1 {
		return true
	}
	for _, x := range r.exclude {
		if x == pid {
			return true
		}
	}
	return false
}
