//go:build linux

package signal

import (
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/proc"
	"golang.org/x/sys/unix"
)

// noPidfd is set once the kernel said it has no pidfd_open.
var noPidfd atomic.Bool

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
	if fd < 0 {
		return killPID(pid, sig)
	}
	defer unix.Close(fd)
	return sendErr(pid, sig, unix.PidfdSendSignal(fd, sig, nil, 0))
}

// SendIdentity sends sig to the process id names, and only to it: it opens
// a pidfd first, then checks that the process behind the pid started when
// id says; a pid now held by another process gives [ErrPIDReused] and
// nothing is signalled. Without pidfd support the check and the kill(2)
// are separate steps (best effort).
func SendIdentity(id proc.Identity, sig syscall.Signal) error {
	if err := ValidatePID(id.PID); err != nil {
		return err
	}
	fd, err := openPidfd(id.PID)
	if err != nil {
		return sendErr(id.PID, sig, err)
	}
	if fd >= 0 {
		defer unix.Close(fd)
	}
	if err := checkIdentity(id); err != nil {
		return err
	}
	if fd < 0 {
		return killPID(id.PID, sig)
	}
	return sendErr(id.PID, sig, unix.PidfdSendSignal(fd, sig, nil, 0))
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

// openPidfd returns a pidfd for pid, -1 when pidfds are unavailable (use
// kill), or an error (ESRCH when pid does not exist).
func openPidfd(pid int) (int, error) {
	if noPidfd.Load() {
		return -1, nil
	}
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	switch {
	case err == nil:
		return fd, nil
	case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EPERM):
		noPidfd.Store(err == unix.ENOSYS)
		return -1, nil
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOENT):
		return -1, nil // a thread id (killPID refuses it), or an old kernel without the flag
	}
	return -1, err
}

// killPID sends sig to pid with kill(2), unless pid is a thread other
// than its process's main one: kill(2) would signal that whole process
// (the caller's own, or go test's), which no check on pid ever saw.
func killPID(pid int, sig syscall.Signal) error {
	tgid, err := proc.ThreadGroup(pid)
	switch {
	case err != nil:
		return fmt.Errorf("sysprims: send %s to pid %d: %w", String(sig), pid, err)
	case tgid != pid:
		return fmt.Errorf("%w %d: a thread of process %d, not a process", ErrInvalidPID, pid, tgid)
	}
	return sendErr(pid, sig, unix.Kill(pid, sig))
}
