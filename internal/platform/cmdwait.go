package platform

import (
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
)

// cmdWait waits for a started command in the two halves of cmd.Wait:
// reaping the process (cmd.Process, or the subreaper shim that stands
// in for it on Linux), and finishing (waiting for exec's copying, bounded
// by WaitDelay, and closing the pipe ends exec gave the caller). A
// container reaps as soon as the process exits; when the caller may hold
// such a pipe end — Stdout or Stderr is an *os.File, as cmd.StdoutPipe
// and cmd.StderrPipe make it — the finish waits for Close, as a caller of
// os/exec reads to EOF before calling Wait (Wait "closes the pipe after
// seeing the command exit"). Otherwise reap is cmd.Wait whole, so a root
// counts as exited only once its output is copied.
type cmdWait struct {
	cmd      *exec.Cmd
	proc     *os.Process // what to reap: cmd.Process, or a helper's process
	deferred bool

	reaped  chan struct{} // closed once the process was reaped
	closing atomic.Bool   // finish was asked for
	once    sync.Once
	state   *os.ProcessState
}

// newCmdWait prepares the wait of the started cmd, reaping proc.
func newCmdWait(cmd *exec.Cmd, proc *os.Process) *cmdWait {
	deferred := isFile(cmd.Stdout) || isFile(cmd.Stderr)
	return &cmdWait{cmd: cmd, proc: proc, deferred: deferred, reaped: make(chan struct{})}
}

func isFile(w any) bool {
	_, ok := w.(*os.File)
	return ok
}

// whole reports whether reap is cmd.Wait itself.
func (w *cmdWait) whole() bool { return !w.deferred && w.proc == w.cmd.Process }

// reap waits for the process to exit and returns its state; unless the
// finish is deferred, it finishes cmd.Wait too.
func (w *cmdWait) reap() (*os.ProcessState, error) {
	if w.whole() {
		err := w.cmd.Wait()
		return w.cmd.ProcessState, err
	}
	ps, err := w.proc.Wait()
	w.state = ps
	close(w.reaped)
	if !w.deferred || w.closing.Load() {
		w.finishOnce()
	}
	return ps, err
}

// finish completes cmd.Wait once the process was reaped: exec's copying
// and its closing of the caller's pipe ends. cmd.ProcessState is the
// reaped process's. It does nothing when reap was cmd.Wait; before the
// reap it leaves the finish to it.
func (w *cmdWait) finish() {
	if w.whole() {
		return
	}
	w.closing.Store(true)
	select {
	case <-w.reaped:
		w.finishOnce()
	default:
	}
}

func (w *cmdWait) finishOnce() {
	w.once.Do(func() {
		// cmd.Process was reaped (or is not this process's child, the
		// root under the shim): cmd.Wait gets ErrProcessDone or ECHILD
		// (on Windows EINVAL: the reap released the handle) from it,
		// then does the rest of its work. (Where Go has no pidfds, a
		// second wait4 of the pid could reap a new child of this process
		// that reuses it: a window from the reap to here. Windows waits
		// on a handle, never on a pid.)
		_ = w.cmd.Wait()
		w.cmd.ProcessState = w.state
	})
}
