package signal

import (
	"errors"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
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
	case errors.Is(err, unix.EINVAL):
		return -1, nil // a thread id, or an old kernel without the flag
	}
	return -1, err
}

// pidfdSend sends sig through the pidfd fd.
func pidfdSend(fd int, sig syscall.Signal) error { return unix.PidfdSendSignal(fd, sig, nil, 0) }

func closePidfd(fd int) { unix.Close(fd) }
