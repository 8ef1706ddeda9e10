//go:build !unix && !windows

package platform

import "fmt"

// hasGroup says this system has no process group container.
const hasGroup = false

// groupOnly returns [ErrUnavailable]: this system has no process trees to
// hold.
func groupOnly(spec Spec) (Container, error) {
	return nil, fmt.Errorf("sysprims: %s: %w", spec.Mechanism, ErrUnavailable)
}
