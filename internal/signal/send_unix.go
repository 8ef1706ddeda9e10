//go:build unix

package signal

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// Send sends sig to pid after [ValidatePID], through a pidfd when the
// kernel has one and kill(2) otherwise. A pid that does not exist gives an
// error wrapping [proc.ErrNotFound]. Signal 0 only checks existence.
func Send(pid int, sig syscall.Signal) error {
	if err := ValidatePID(pid); err != nil {
		return err
	}
	fd, err := openPidfd(pid)
	if err != nil {
		return sendErr(pid, sig, err)
	}
	if fd >= 0 {
		defer closePidfd(fd)
	}
	return sendErr(pid, sig, sendVia(fd, pid, sig))
}

// SendIdentity sends sig to the process id names, and only to it: it opens
// a pidfd first, then checks that the process behind the pid started when
// id says; a pid now held by another process gives [ErrPIDReused] and
// nothing is signalled. Without pidfds (every unix but Linux, and old
// Linux kernels) the check and the kill(2) are separate steps (best
// effort).
func SendIdentity(id proc.Identity, sig syscall.Signal) error {
	if err := ValidatePID(id.PID); err != nil {
		return err
	}
	fd, err := openPidfd(id.PID)
	if err != nil {
		return sendErr(id.PID, sig, err)
	}
	if fd >= 0 {
		defer closePidfd(fd)
	}
	if err := checkIdentity(id); err != nil {
		return err
	}
	return sendErr(id.PID, sig, sendVia(fd, id.PID, sig))
}

// SendGroup sends sig to every process of process group pgid with
// killpg(2). It refuses 0, 1, negatives and the caller's own group.
func SendGroup(pgid int, sig syscall.Signal) error {
	if err := validateGroup(pgid); err != nil {
		return err
	}
	if err := unix.Kill(-pgid, sig); err != nil {
		return groupErr(pgid, sig, err)
	}
	return nil
}

// sendVia sends sig through the pidfd fd, or with kill(2) to pid when fd
// is -1.
func sendVia(fd, pid int, sig syscall.Signal) error {
	if fd < 0 {
		if err := killable(pid); err != nil {
			return err
		}
		return unix.Kill(pid, sig)
	}
	return pidfdSend(fd, sig)
}

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
