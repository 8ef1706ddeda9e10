package signal

import (
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// noPidfd is set once the kernel said it has no pidfd_open.
var noPidfd atomic.Bool

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
		return -1, nil // a thread id (killable refuses it), or an old kernel without the flag
	}
	return -1, err
}

// killable refuses, before a kill(2), a pid that is a thread other than
// its process's main one: kill(2) would signal that whole process (the
// caller's own, or go test's), which no check on pid ever saw.
func killable(pid int) error {
	tgid, err := proc.ThreadGroup(pid)
	switch {
	case err != nil:
		return err
	case tgid != pid:
		return fmt.Errorf("%w: pid %d is a thread of process %d, not a process", ErrInvalidPID, pid, tgid)
	}
	return nil
}

// pidfdSend sends sig through the pidfd fd.
func pidfdSend(fd int, sig syscall.Signal) error { return unix.PidfdSendSignal(fd, sig, nil, 0) }

func closePidfd(fd int) { unix.Close(fd) }
