package timeout

import (
	"slices"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
)

// catchMigrants looks once, after a guaranteed teardown of a container a
// member can leave (a [platform.Holder]: a cgroup), for processes that
// carry this tree's marker outside it: members that moved themselves out
// of their cgroup. Only processes created since the
// root are candidates; their environment is read only when their start
// time says so. A migrant is reported and the outcome becomes best_effort;
// one this engine can prove is the tree's (the root, a member it saw in
// the container, or one whose pidfd the container kept) is killed, the
// others are only reported, as survivors. A check that cannot read the
// process table finds nothing: the teardown's own verdict stands.
func (t *Tree) catchMigrants(o *Outcome) {
	h, leavable := t.c.(platform.Holder)
	if t.c.Reliability() != platform.Guaranteed || !leavable || !owner.OwnTree(t.treeID) || t.rootID.StartTimeUnixMs == 0 {
		return
	}
	created, _ := proc.Since(t.rootID, h.Gone())
	ms := t.marked(created)
	if len(ms) == 0 {
		return
	}
	proc.Fill(ms, proc.FieldCmdline)
	o.Migrants = ms
	o.TreeKillReliability = platform.BestEffort
	g := owner.NewGuard()
	var killed []proc.Identity
	for _, p := range ms {
		if t.killMigrant(g, p) {
			killed = append(killed, p.ID())
		}
	}
	left := killAwait(slices.Clone(killed), nil, func(proc.Identity) {}, nil) // signals sent: only wait
	for _, p := range ms {
		if !slices.Contains(killed, p.ID()) || slices.Contains(left, p.ID()) {
			o.Survivors = proc.Merge(o.Survivors, []proc.ProcessInfo{p})
		}
	}
	t.emitEscaped(ms, "left the "+string(t.c.Mechanism())+" container, found by its marker", o.Survivors)
}

// marked keeps the processes that carry this tree's marker, minted by
// this run, and are not in the container: not sysprims helpers (the
// subreaper shim carries the tree's markers), not the helper the engine
// started in place of the root.
func (t *Tree) marked(ps []proc.ProcessInfo) []proc.ProcessInfo {
	proc.Fill(ps, proc.FieldMarkers)
	ps = slices.DeleteFunc(ps, func(p proc.ProcessInfo) bool {
		return owner.TreeOf(p) != t.treeID || owner.IsHelper(p) || (t.cmd.Process != nil && p.PID == t.cmd.Process.Pid && p.PID != t.rootID.PID)
	})
	if len(ps) == 0 {
		return nil
	}
	inside, _ := t.c.Members()
	return slices.DeleteFunc(ps, func(p proc.ProcessInfo) bool { return slices.Contains(inside, p.PID) })
}

// killMigrant sends SIGKILL to p when this engine can prove it is the
// tree's and the guard allows it, and reports whether it did. The tree's
// polite signal and grace are spent by now: a migrant gets no second one.
func (t *Tree) killMigrant(g *owner.Guard, p proc.ProcessInfo) bool {
	t.sending(syscall.SIGKILL)
	id := p.ID()
	switch {
	case id == t.rootID:
		return g.Refuse(p, owner.Spawned) == nil && signal.SendIdentity(id, syscall.SIGKILL) == nil
	case t.wasSeen(id):
		return g.Refuse(p, owner.Container) == nil && signal.SendIdentity(id, syscall.SIGKILL) == nil
	}
	h, ok := t.c.(platform.Holder)
	if !ok || g.Refuse(p, owner.Container) != nil {
		return false
	}
	held, err := h.SignalHeld(p.PID, syscall.SIGKILL)
	return held && err == nil
}

// remember records the identities of members seen in the container.
func (t *Tree) remember(ps []proc.ProcessInfo) {
	t.idMu.Lock()
	defer t.idMu.Unlock()
	for _, p := range ps {
		t.seen[p.PID] = p.StartTimeUnixMs
	}
}

// wasSeen reports whether id was seen as a member of the container.
func (t *Tree) wasSeen(id proc.Identity) bool {
	t.idMu.Lock()
	defer t.idMu.Unlock()
	start, ok := t.seen[id.PID]
	return ok && start == id.StartTimeUnixMs
}
