//go:build !linux

package platform

import (
	"errors"
	"fmt"
)

// AdoptOrphans is unsupported here: without a child subreaper, an orphan
// is reparented to init (launchd on macOS) and is no longer a descendant,
// so leak checks find it only by its markers (best effort).
func AdoptOrphans() error {
	return fmt.Errorf("sysprims: child subreaper: %w", errors.ErrUnsupported)
}

// ReapAdopted reports false: nothing is adopted here.
func ReapAdopted(int) bool { return false }
