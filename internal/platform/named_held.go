package platform

import (
	"os"
	"sync"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// maxParents bounds walks up parent links (a loop in a racing read).
const maxParents = 256

// NamedGuard returns an ownership guard for the calling process that
// knows its live containers: a pid the user names inside one of them is
// the caller's (see [owner.Guard.WithOwn] and [Holds]). Leak checks use
// a plain [owner.NewGuard]: a scan never signals inside a container.
func NamedGuard() *owner.Guard { return owner.NewGuard().WithOwn(Holds) }

// Holds reports whether p is inside a live container this process made:
// in one of its cgroup v2 leaves, or below one of its live subreaper
// helpers (a helper that descends from this process). Such a process is
// its container's to tear down: a leak check does not charge it, and a
// pid the user named there is this process's (see [owner.Guard.WithOwn]).
// It reads parent links and markers live.
func Holds(p process.Info) bool {
	return newHolder(func(pid int) (process.Info, bool) {
		q, err := proc.Get(pid, proc.Options{})
		return q, err == nil
	}).holds(p)
}

// HeldIn is [Holds] for the processes of one snapshot: parent links come
// from snap (indexed on first use; markers are read for the helpers on
// the way when snap lacks them), and what it learns is kept for the next
// call.
func HeldIn(snap []process.Info) func(process.Info) bool {
	index := sync.OnceValue(func() map[int]process.Info {
		byPID := make(map[int]process.Info, len(snap))
		for _, p := range snap {
			byPID[p.PID] = p
		}
		return byPID
	})
	return newHolder(func(pid int) (process.Info, bool) {
		q, ok := index()[pid]
		return q, ok
	}).holds
}

// holder answers [Holds] questions.
type holder struct {
	self   int
	leaves string // cgroup path of this process's run directory, "" when none
	parent func(pid int) (process.Info, bool)

	mu      sync.Mutex
	helpers map[process.Identity]bool
}

func newHolder(parent func(int) (process.Info, bool)) *holder {
	return &holder{self: os.Getpid(), leaves: ownLeaves(), parent: parent, helpers: map[process.Identity]bool{}}
}

func (h *holder) holds(p process.Info) bool {
	return inLeaf(h.leaves, p.PID) || h.belowOwnHelper(p)
}

// belowOwnHelper walks p's parent links up to this process: it is held
// when a helper is on the way.
func (h *holder) belowOwnHelper(p process.Info) bool {
	pid := p.PPID
	for range maxParents {
		if pid == h.self || pid <= 1 {
			return false
		}
		q, ok := h.parent(pid)
		if !ok {
			return false
		}
		if h.helper(q) {
			return h.descends(q)
		}
		pid = q.PPID
	}
	return false
}

// descends reports whether p descends from this process.
func (h *holder) descends(p process.Info) bool {
	pid := p.PPID
	for range maxParents {
		switch {
		case pid == h.self:
			return true
		case pid <= 1:
			return false
		}
		q, ok := h.parent(pid)
		if !ok {
			return false
		}
		pid = q.PPID
	}
	return false
}

// helper reports whether p is a sysprims helper, reading its markers when
// p carries none, once per identity.
func (h *holder) helper(p process.Info) bool {
	if p.Markers != nil {
		return owner.IsHelper(p)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	is, ok := h.helpers[p.ID()]
	if !ok {
		q, err := proc.Get(p.PID, proc.Options{Fields: proc.FieldMarkers})
		is = err == nil && q.ID() == p.ID() && owner.IsHelper(q)
		h.helpers[p.ID()] = is
	}
	return is
}
