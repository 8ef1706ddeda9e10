package timeout

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
)

// SignalRoot sends sig to the root process alone. The root is the tree's
// by the identity taken at spawn, so the ownership guard has nothing to
// refuse; it is signalled by that identity where it has a start time
// (Linux), so a reused pid is never hit, and elsewhere by the identity
// read now, while the root is known not to have exited. A signal sent
// this way is the engine's own: the Outcome does not call the root's end
// killed_externally. Once the root has exited it returns an error
// wrapping [os.ErrProcessDone], as os.Process.Signal does.
func (t *Tree) SignalRoot(sig syscall.Signal) error {
	if t.rootExited() {
		return t.rootDone(sig)
	}
	id := t.rootID
	if id.StartTimeUnixMs == 0 {
		p, err := proc.Get(id.PID, proc.Options{})
		if err != nil {
			return t.rootSignalErr(sig, err)
		}
		id = p.ID()
	}
	t.sending(sig)
	err := t.rootSignalErr(sig, signal.SendIdentity(id, sig))
	if !errors.Is(err, os.ErrProcessDone) {
		t.emitSignal(sig, "root", err)
	}
	return err
}

// rootSignalErr turns the error of signalling a root that has just ended into
// one wrapping os.ErrProcessDone.
func (t *Tree) rootSignalErr(sig syscall.Signal, err error) error {
	if gone(err) || (err != nil && t.rootExited()) {
		return t.rootDone(sig)
	}
	return err
}

func (t *Tree) rootDone(sig syscall.Signal) error {
	return fmt.Errorf("sysprims: send %s to root %d: %w", signal.String(sig), t.PID(), os.ErrProcessDone)
}
