package timeout

import "github.com/3leaps/sysprims-go/internal/proc"

// spawnIdentity returns the identity of the root just started (its start
// time is what the migrant check needs); only the pid when it cannot be
// read.
func spawnIdentity(pid int) proc.Identity {
	p, err := proc.Get(pid, proc.Options{})
	if err != nil {
		return proc.Identity{PID: pid}
	}
	return p.ID()
}
