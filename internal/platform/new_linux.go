//go:build linux

package platform

import (
	"errors"
	"fmt"
)

// New returns a container for one tree: the strongest usable mechanism,
// or the one spec asks for (falling back unless spec.Require).
func New(spec Spec) (Container, error) { return newContainer(spec) }

func newContainer(spec Spec) (Container, error) {
	caps := Probe()
	ms, err := candidates(spec, caps)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, m := range ms {
		c, err := build(m, spec)
		if err == nil {
			noteFallback(spec, caps, m, errs)
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("sysprims: no container could be made: %w", errors.Join(append([]error{ErrUnavailable}, errs...)...))
}

// build makes a container of mechanism m.
func build(m Mechanism, spec Spec) (Container, error) {
	switch m {
	case MechanismCgroup:
		return newCgroupContainer(spec)
	case MechanismSubreaper:
		return newShimContainer(spec), nil
	case MechanismProcessGroup:
		return newGroupContainer(spec), nil
	}
	return nil, fmt.Errorf("sysprims: %s: %w", m, ErrUnavailable)
}

// probe finds what this machine offers.
func probe() Caps {
	var c Caps
	c.Pidfd = probePidfd()
	probeCgroup(&c)
	if c.CgroupWritable && c.CgroupKill {
		c.Mechanisms = append(c.Mechanisms, MechanismCgroup)
	}
	c.Subreaper = probeShim(&c)
	if c.Subreaper {
		c.Mechanisms = append(c.Mechanisms, MechanismSubreaper)
	}
	c.Mechanisms = append(c.Mechanisms, MechanismProcessGroup)
	return c
}
