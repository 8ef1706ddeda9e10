package signal

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// Send delivers SIGKILL to pid (TerminateProcess) after [ValidatePID].
// Other signals give an error wrapping [errors.ErrUnsupported]: Windows
// cannot deliver them to another process.
func Send(pid int, sig syscall.Signal) error {
	if err := ValidatePID(pid); err != nil {
		return err
	}
	if sig != syscall.SIGKILL {
		return fmt.Errorf("sysprims: send %s to pid %d: %w", String(sig), pid, errors.ErrUnsupported)
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return fmt.Errorf("sysprims: send %s to pid %d: %w", String(sig), pid, proc.ErrNotFound)
	}
	defer p.Release()
	if err := p.Kill(); err != nil {
		return fmt.Errorf("sysprims: send %s to pid %d: %w", String(sig), pid, err)
	}
	return nil
}

// SendIdentity checks the start time of id with [proc.Get], then calls
// [Send]; a pid now held by another process gives [ErrPIDReused].
func SendIdentity(id proc.Identity, sig syscall.Signal) error {
	if err := ValidatePID(id.PID); err != nil {
		return err
	}
	if err := checkIdentity(id); err != nil {
		return err
	}
	return Send(id.PID, sig)
}

// SendGroup is unsupported on Windows, which has no process groups to
// signal; it validates pgid and returns an error wrapping
// [errors.ErrUnsupported].
func SendGroup(pgid int, sig syscall.Signal) error {
	if err := validateGroup(pgid); err != nil {
		return err
	}
	return fmt.Errorf("sysprims: send %s to process group %d: %w", String(sig), pgid, errors.ErrUnsupported)
}
