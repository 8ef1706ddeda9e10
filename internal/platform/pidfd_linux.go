package platform

import (
	"os"

	"golang.org/x/sys/unix"
)

// probePidfd reports whether pidfd_open works on this kernel.
func probePidfd() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// probeShim reports whether the helper that runs the subreaper shim can
// be started: this executable after [ServeHelper], or the helper built
// once per machine with the Go toolchain (built now when missing).
func probeShim(c *Caps) bool {
	if _, err := helperPath(); err != nil {
		c.Notes = append(c.Notes, "subreaper: "+err.Error()+" (without it only the best_effort process_group is left where cgroup_v2 is not)")
		return false
	}
	return true
}
