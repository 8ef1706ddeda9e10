package platform

import (
	"sync"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// ownHelpers holds the identities, taken at spawn, of the helpers this
// process started (subreaper shims, cgroup guardians), by pid: an entry
// left by a helper since reaped names no live process, and a new helper
// with its pid replaces it.
var ownHelpers sync.Map // int -> process.Identity

// noteHelper records the helper this process has just started as pid (its
// child, not yet waited for, so the pid names it).
func noteHelper(pid int) {
	if p, err := proc.Get(pid, proc.Options{}); err == nil {
		ownHelpers.Store(pid, p.ID())
	}
}

// OwnHelper reports whether p is a helper process (a subreaper shim or a
// cgroup guardian) that this process started, by the identity taken when
// it did. A leak check never charges one; a process that merely carries a
// helper's environment marker is not one.
func OwnHelper(p process.Info) bool {
	id, ok := ownHelpers.Load(p.PID)
	return ok && id == p.ID()
}
