//go:build !linux && !windows

package platform

import "fmt"

// build makes the process group container, the only one outside Linux and
// Windows (on a unix; other systems have none).
func build(m Mechanism, spec Spec) (Container, error) {
	if m != MechanismProcessGroup {
		return nil, fmt.Errorf("sysprims: %s: %w", m, ErrUnavailable)
	}
	return groupOnly(spec)
}

// probe reports the process group container where there is one.
func probe() Caps {
	if !hasGroup {
		return Caps{Notes: []string{"no process containers on this platform"}}
	}
	return Caps{
		Mechanisms: []Mechanism{MechanismProcessGroup},
		Notes:      []string{"cgroup v2 and the subreaper shim are Linux only"},
	}
}
