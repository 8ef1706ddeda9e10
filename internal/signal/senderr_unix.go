//go:build unix

package signal

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// sendErr wraps a failed kill of pid; a gone process unwraps to
// [proc.ErrNotFound].
func sendErr(pid int, sig syscall.Signal, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ESRCH):
		return fmt.Errorf("sysprims: send %s to pid %d: %w", String(sig), pid, proc.ErrNotFound)
	}
	return fmt.Errorf("sysprims: send %s to pid %d: %w", String(sig), pid, err)
}

// groupErr is sendErr for a process group.
func groupErr(pgid int, sig syscall.Signal, err error) error {
	if errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("sysprims: send %s to process group %d: %w", String(sig), pgid, proc.ErrNotFound)
	}
	return fmt.Errorf("sysprims: send %s to process group %d: %w", String(sig), pgid, err)
}
