//go:build linux

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

// probeShim reports whether this executable can be re-run as the shim.
func probeShim(c *Caps) bool {
	exe, err := os.Executable()
	if err == nil {
		err = unix.Access(exe, unix.X_OK)
	}
	if err != nil {
		c.Notes = append(c.Notes, "subreaper: cannot re-execute this program: "+err.Error())
		return false
	}
	return true
}
