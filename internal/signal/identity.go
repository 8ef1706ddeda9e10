package signal

import (
	"fmt"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// checkIdentity compares the start time of the process now holding id.PID
// with id, as [proc.Get] reports it (and so as snapshots report
// identities). A different start time gives an error wrapping
// [ErrPIDReused].
func checkIdentity(id proc.Identity) error {
	p, err := proc.Get(id.PID, proc.Options{})
	if err != nil {
		return fmt.Errorf("sysprims: pid %d: %w", id.PID, err)
	}
	if p.StartTimeUnixMs != id.StartTimeUnixMs {
		return fmt.Errorf("%w: pid %d started at %d ms, not %d ms", ErrPIDReused, id.PID, p.StartTimeUnixMs, id.StartTimeUnixMs)
	}
	return nil
}

// SendPolite sends sig to the process id names, as [SendIdentity] does,
// and SIGCONT after it when that succeeded, so a stopped process can act
// on sig. The SIGCONT is best effort (Windows cannot send it); the error
// is the one of sig.
func SendPolite(id proc.Identity, sig syscall.Signal) error {
	if err := SendIdentity(id, sig); err != nil {
		return err
	}
	_ = SendIdentity(id, sigCONT)
	return nil
}
