package signal

import (
	"fmt"

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
