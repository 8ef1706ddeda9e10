package sysprimstest

import (
	"errors"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/timeout"
)

// ExitStatus returns how the root ended, exactly: its exit code (-1 when
// a signal ended it), the signal (0 when it exited by itself), and
// whether it has ended at all: false while it runs, and for a Process
// that never started, whose [Process.Result] says why. As with gexec, a
// root counts as ended once its output is in [Process.Buffer] and
// [Process.ErrBuffer] too (see [Process.Exited]). [Result] and the
// matchers read the same three facts.
func (p *Process) ExitStatus() (code int, sig syscall.Signal, exited bool) {
	if p.tree == nil {
		return -1, 0, false
	}
	select {
	case <-p.tree.Done():
	default:
		return -1, 0, false
	}
	st, _ := p.tree.Exit()
	return st.Code, st.Signal, true
}

// ExitCode returns the root's exit code as gexec's Session.ExitCode does,
// so that gexec.Exit works on a Process: -1 while the root runs, its exit
// code once it exited by itself, and 128+n when signal n ended it (as a
// shell reports it; a root that exits with such a code by itself looks
// the same, which [Process.ExitStatus] tells apart). A Process that never
// started reports 127, or 126 when the file is not executable, as a shell
// does for a command it cannot run; [Process.Result] says why.
func (p *Process) ExitCode() int {
	if p.tree == nil {
		if errors.Is(p.startErr, timeout.ErrNotExecutable) {
			return 126
		}
		return 127
	}
	code, sig, exited := p.ExitStatus()
	switch {
	case !exited:
		return -1
	case sig != 0:
		return 128 + int(sig)
	}
	return code
}

// Exited returns a channel that is closed once the root has exited and
// its output has been copied, when [Process.ExitCode] stops returning -1,
// as gexec's Session.Exited is. A leftover that holds the output pipes
// delays it by the command's WaitDelay at most, 250 ms when cmd.WaitDelay
// is 0 (gexec waits for ever);
// the rest of the tree may still run until [Process.Wait] or
// [Process.Stop] tears it down. When cmd.Stdout or cmd.Stderr is an
// *os.File (cmd.StdoutPipe), os/exec's Wait is finished at the teardown
// instead, so that it does not close the caller's pipe early, and Exited
// closes as the root is reaped: a Stderr writer may still be catching
// up then. For a Process that never started it is closed already.
func (p *Process) Exited() <-chan struct{} {
	if p.tree == nil {
		return closedChan
	}
	return p.tree.Done()
}

// closedChan is the Exited channel of a Process that never started.
var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()
