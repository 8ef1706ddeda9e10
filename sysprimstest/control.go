package sysprimstest

import (
	"errors"
	"os"
	"syscall"

	"github.com/3leaps/sysprims-go/process"
)

// Signal sends sig to the root process alone, as os/exec's
// cmd.Process.Signal and gexec's Session.Signal do, by the identity taken
// at spawn, so a reused pid is never hit. To signal every member of the
// tree use [Process.SignalTree]; to end the tree, [Process.Stop]. Once
// the root has exited it returns an error wrapping [os.ErrProcessDone];
// for a Process that never started, the start error.
func (p *Process) Signal(sig syscall.Signal) error {
	if p.tree == nil {
		return p.startErr
	}
	return p.tree.SignalRoot(sig)
}

// SignalTree sends sig to every live member of the tree, wherever it
// moved, followed by SIGCONT when sig ends a process (so stopped members
// act on it). Once the tree is torn down it returns an error, as it does
// for a number that names no signal of this platform (nothing is sent).
func (p *Process) SignalTree(sig syscall.Signal) error {
	if p.tree == nil {
		return p.startErr
	}
	return p.tree.Signal(sig)
}

// Kill sends SIGKILL to the root process alone, as gexec's Session.Kill
// does, and returns p, so that p.Kill().Wait(d) reads as it does with
// gexec. The rest of the tree lives on until [Process.Wait], [Process.Stop]
// or the cleanup tears it down. A root that has already exited is not an
// error; any other failure fails the test.
func (p *Process) Kill() *Process { return p.signalRoot(syscall.SIGKILL) }

// Terminate sends SIGTERM to the root process alone, as gexec's
// Session.Terminate does; see [Process.Kill].
func (p *Process) Terminate() *Process { return p.signalRoot(syscall.SIGTERM) }

// Interrupt sends SIGINT to the root process alone, as gexec's
// Session.Interrupt does; see [Process.Kill].
func (p *Process) Interrupt() *Process { return p.signalRoot(syscall.SIGINT) }

func (p *Process) signalRoot(sig syscall.Signal) *Process {
	p.t.Helper()
	if p.tree == nil {
		return p
	}
	if err := p.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Errorf("sysprims: %s: %v", p.name, err)
	}
	return p
}

// Members lists the live members of the tree, the root included,
// wherever they moved (another session, another group, reparented), with
// their command lines and markers: what the tree's container holds. It
// returns nothing once the tree is torn down ([Result].Survivors then
// names what outlived it). [Descendants] is the root's descendants by
// parent links, the root excluded.
func (p *Process) Members() ([]process.Info, error) {
	if p.tree == nil {
		return nil, p.startErr
	}
	return p.tree.Members()
}
