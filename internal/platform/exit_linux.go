package platform

import (
	"os"

	"golang.org/x/sys/unix"
)

// exitWatch closes a channel when one process exits (becomes a zombie),
// before anyone reaps it. It waits on a pidfd through the Go runtime's
// poller, so no thread is blocked meanwhile.
type exitWatch struct {
	f    *os.File
	done chan struct{}
}

// watchExit starts watching pid, which must be an unreaped child of the
// caller so that the pid names it. It returns nil when the kernel has no
// pidfds; the caller then learns of the exit from its Wait.
func watchExit(pid int) *exitWatch {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return nil
	}
	w := &exitWatch{f: os.NewFile(uintptr(fd), "pidfd"), done: make(chan struct{})}
	go w.wait()
	return w
}

// wait closes done once the pidfd is readable: the process has exited.
// If the watch cannot wait (the file was closed, or the poller refused
// it) done stays open and the container's Wait is what tells.
func (w *exitWatch) wait() {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return
	}
	var exited bool
	_ = rc.Read(func(fd uintptr) bool {
		exited = pidfdReady(int(fd))
		return exited
	})
	if exited {
		close(w.done)
	}
}

// pidfdReady reports, without waiting, whether a pidfd's process has
// exited.
func pidfdReady(fd int) bool {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(pfd, 0)
	return err == nil && n > 0
}

// exited returns the channel closed at the process's exit; nil (never
// ready) when there is no watch.
func (w *exitWatch) exited() <-chan struct{} {
	if w == nil {
		return nil
	}
	return w.done
}

// close stops the watch and releases the pidfd.
func (w *exitWatch) close() {
	if w != nil {
		w.f.Close()
	}
}
