package process

import "slices"

// Mechanism names the container that holds a process tree, as reported
// in results (grouping_effective) and JSON.
type Mechanism string

// The mechanisms, strongest first on Linux.
const (
	// MechanismAuto asks for the strongest mechanism the machine offers.
	MechanismAuto Mechanism = ""
	// MechanismCgroupV2 is a cgroup v2 leaf per tree, killed with
	// cgroup.kill (Linux, where a cgroup v2 hierarchy is writable).
	MechanismCgroupV2 Mechanism = "cgroup_v2"
	// MechanismSubreaper is a small helper process that is a child
	// subreaper and kills every descendant it holds (Linux).
	MechanismSubreaper Mechanism = "subreaper"
	// MechanismProcessGroup is a process group and session with scans
	// (best effort; macOS and the BSDs, or Linux when asked).
	MechanismProcessGroup Mechanism = "process_group"
	// MechanismJobObject is a Windows Job Object with kill-on-close.
	MechanismJobObject Mechanism = "job_object"
	// MechanismNamedTree is reported, never asked for: a tree the caller
	// named by its root's pid but did not start (sysprimstest's
	// TerminateTree), found by parent links; best effort.
	MechanismNamedTree Mechanism = "named_tree"
)

// Mechanisms lists every container mechanism that can be asked for,
// strongest first.
func Mechanisms() []Mechanism {
	return []Mechanism{MechanismCgroupV2, MechanismSubreaper, MechanismJobObject, MechanismProcessGroup}
}

// Valid reports whether m can be asked for: [MechanismAuto] or one of
// [Mechanisms].
func (m Mechanism) Valid() bool {
	if m == MechanismAuto {
		return true
	}
	return slices.Contains(Mechanisms(), m)
}

// Reliability is what a teardown can promise, as the sysprims
// tree_kill_reliability field.
type Reliability string

// The two reliabilities.
const (
	// Guaranteed: every member of the tree is killed, however it escaped.
	Guaranteed Reliability = "guaranteed"
	// BestEffort: a member that escaped unseen can survive, and is then
	// reported.
	BestEffort Reliability = "best_effort"
)

// Reliabilities lists both reliabilities, strongest first.
func Reliabilities() []Reliability { return []Reliability{Guaranteed, BestEffort} }

// Valid reports whether r is one of [Reliabilities].
func (r Reliability) Valid() bool { return r == Guaranteed || r == BestEffort }

// ReliabilityOf says what a container of mechanism m can promise:
// [Guaranteed] for a cgroup v2 leaf, the subreaper and a Job Object,
// [BestEffort] for a process group and a named tree. For [MechanismAuto]
// it depends on the machine, and BestEffort is all it can say.
func ReliabilityOf(m Mechanism) Reliability {
	switch m {
	case MechanismCgroupV2, MechanismSubreaper, MechanismJobObject:
		return Guaranteed
	}
	return BestEffort
}
