//go:build !linux

package timeout

import "github.com/3leaps/sysprims-go/internal/proc"

// spawnIdentity returns only the pid outside Linux: reading a start time
// costs a whole snapshot on Windows, and the migrant check that needs it
// runs on Linux only.
func spawnIdentity(pid int) proc.Identity { return proc.Identity{PID: pid} }
