//go:build !unix && !windows

package platform

import "fmt"

// New returns [ErrUnavailable]: this platform has no process trees to hold.
func New(spec Spec) (Container, error) { return newContainer(spec) }

func newContainer(spec Spec) (Container, error) {
	return nil, fmt.Errorf("sysprims: %s: %w", spec.Mechanism, ErrUnavailable)
}

func probe() Caps { return Caps{Notes: []string{"no process containers on this platform"}} }
