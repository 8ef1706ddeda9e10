package platform

import "fmt"

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
