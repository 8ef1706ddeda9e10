//go:build unix && !linux

package platform

import "fmt"

// New returns a container for one tree. Only the process group container
// exists here (best effort): a process that calls setsid, drops its
// markers and loses its parent before a scan sees it escapes.
func New(spec Spec) (Container, error) { return newContainer(spec) }

func newContainer(spec Spec) (Container, error) {
	caps := Probe()
	ms, err := candidates(spec, caps)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 || ms[0] != MechanismProcessGroup {
		return nil, fmt.Errorf("sysprims: %s: %w", spec.Mechanism, ErrUnavailable)
	}
	noteFallback(spec, caps, MechanismProcessGroup, nil)
	return newGroupContainer(spec), nil
}

// probe reports the process group container, the only one here.
func probe() Caps {
	return Caps{
		Mechanisms: []Mechanism{MechanismProcessGroup},
		Notes:      []string{"cgroup v2 and the subreaper shim are Linux only"},
	}
}
