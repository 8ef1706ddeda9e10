package platform

import (
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/3leaps/sysprims-go/process"
)

// Caps says which containers this machine offers, as [Probe] found.
type Caps struct {
	OS         string      `json:"os"`
	Mechanisms []Mechanism `json:"mechanisms"` // usable ones, strongest first

	CgroupMount    string `json:"cgroup_mount,omitempty"` // cgroup2 mount point, "" when none
	CgroupSelf     string `json:"cgroup_self,omitempty"`  // the caller's cgroup, relative to the mount
	CgroupWritable bool   `json:"cgroup_writable"`        // a child cgroup could be made there
	CgroupKill     bool   `json:"cgroup_kill"`            // cgroup.kill exists (Linux 5.14+)
	Pidfd          bool   `json:"pidfd"`                  // pidfd_open works
	Subreaper      bool   `json:"subreaper"`              // the executable can be re-run as a shim

	// Notes say why a mechanism is missing, or what a mechanism's
	// resource accounting lacks here, one line each.
	Notes []string `json:"notes,omitempty"`
}

// Has reports whether m is usable here.
func (c Caps) Has(m Mechanism) bool { return slices.Contains(c.Mechanisms, m) }

// Best returns the strongest usable mechanism.
func (c Caps) Best() Mechanism {
	if len(c.Mechanisms) == 0 {
		return MechanismAuto
	}
	return c.Mechanisms[0]
}

var (
	probeOnce sync.Once
	probed    Caps
)

// Probe returns the capabilities of this machine, probed on the first call
// only. On Linux the first call also sweeps cgroups left by callers that
// died.
func Probe() Caps {
	probeOnce.Do(func() {
		probed = probe()
		probed.OS = runtime.GOOS
	})
	return probed
}

// ReliabilityOf says what a container of mechanism m can promise.
func ReliabilityOf(m Mechanism) Reliability { return process.ReliabilityOf(m) }

// candidates lists the mechanisms New tries, in order: the one asked for
// (only it, when required), then the usable ones strongest first.
func candidates(spec Spec, caps Caps) ([]Mechanism, error) {
	m := spec.Mechanism
	switch {
	case m == MechanismAuto && spec.Require:
		out := slices.DeleteFunc(slices.Clone(caps.Mechanisms), func(x Mechanism) bool { return ReliabilityOf(x) != Guaranteed })
		if len(out) == 0 {
			return nil, fmt.Errorf("sysprims: no guaranteed mechanism on this machine: %w", ErrUnavailable)
		}
		return out, nil
	case m == MechanismAuto:
		return caps.Mechanisms, nil
	case spec.Require && !caps.Has(m):
		return nil, fmt.Errorf("sysprims: %s: %w", m, ErrUnavailable)
	case spec.Require:
		return []Mechanism{m}, nil
	}
	rest := slices.DeleteFunc(slices.Clone(caps.Mechanisms), func(x Mechanism) bool { return x == m })
	if caps.Has(m) {
		return append([]Mechanism{m}, rest...), nil
	}
	return rest, nil
}
