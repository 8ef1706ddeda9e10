package owner

import (
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// Scope is what a leak check judges for: a test, or a whole run.
type Scope struct {
	// Test is the test charged ("" charges the whole run: every marker
	// minted here, every descendant).
	Test string
	// Baseline holds the processes alive when the check began; they are
	// never charged.
	Baseline map[process.Identity]bool
	// Self is the caller; its descendants are its own by parent links.
	Self int
	// Held reports a process inside a live container of this run (another
	// tree, still running): its tree's teardown answers for it, so it is
	// not charged. Nil means none.
	Held func(process.Info) bool
	// Helper reports a sysprims helper this run started, known by the
	// identity taken when it was spawned: it is never charged. A helper's
	// marker alone excuses nothing (any process can set one in its
	// environment). Nil means none.
	Helper func(process.Info) bool
}

// Finding is a process a leak check charges to its scope.
type Finding struct {
	process.Info
	// Proof is Descendant when the check may remove the process, NoProof
	// when it may only report it.
	Proof Proof
	// Why says how it was attributed, for the report.
	Why string
}

// Fields are the extra fields [Scope.Judge] reads; gather them for the
// processes [Scope.Candidates] returns, and for no others.
const Fields = proc.FieldMarkers | proc.FieldCmdline

// Candidates returns the processes of snap that are new since the
// baseline, other than the caller: the only ones a leak check needs to
// read markers and command lines for.
func (sc Scope) Candidates(snap []process.Info) []process.Info {
	var out []process.Info
	for _, p := range snap {
		if p.PID != sc.Self && !sc.Baseline[p.ID()] {
			out = append(out, p)
		}
	}
	return out
}

// Judge charges the candidates (with [Fields] gathered) to the scope,
// using snap (cheap fields are enough) for parent links. Zombies in
// scope are returned apart: they are dead, never leaks.
func (sc Scope) Judge(snap, candidates []process.Info) (leaks []Finding, zombies []process.Info) {
	if len(candidates) == 0 {
		return nil, nil
	}
	up := lineageOf(snap)
	for _, p := range candidates {
		f, ok := sc.charge(p, up.descends(p.PID, sc.Self))
		switch {
		case !ok:
		case p.State.Gone():
			zombies = append(zombies, p)
		default:
			leaks = append(leaks, f)
		}
	}
	return leaks, zombies
}

// charge decides one candidate: whether it is charged, and with what
// proof.
func (sc Scope) charge(p process.Info, desc bool) (Finding, bool) {
	if p.PID == sc.Self || sc.Baseline[p.ID()] || p.KernelThread || (sc.Helper != nil && sc.Helper(p)) {
		return Finding{}, false
	}
	if sc.Held != nil && sc.Held(p) {
		return Finding{}, false
	}
	if Minted(p) {
		return sc.chargeMarked(p, desc)
	}
	if !desc {
		return Finding{}, false
	}
	f := Finding{Info: p, Why: "a descendant of the test process, without a marker of this run"}
	if sc.Test == "" {
		f.Proof = Descendant
	}
	return f, true
}

// chargeMarked decides a candidate carrying this run's markers: charged
// to its own test only. Only the whole run's check may remove it, when it
// still descends from the caller: a test's check cannot tell its own
// process from a parallel sibling's that copied its markers, so it names
// the process and leaves the removal to the run's end, when no test runs.
func (sc Scope) chargeMarked(p process.Info, desc bool) (Finding, bool) {
	test := p.Markers[EnvTest]
	if sc.Test != "" && test != sc.Test {
		return Finding{}, false
	}
	f := Finding{Info: p, Why: "started by " + orUnknown(test)}
	if desc && sc.Test == "" {
		f.Proof = Descendant
	}
	return f, true
}

func orUnknown(test string) string {
	if test == "" {
		return "this run"
	}
	return test
}

// lineage maps each pid of a snapshot to its parent's.
type lineage map[int]int

func lineageOf(snap []process.Info) lineage {
	l := make(lineage, len(snap))
	for _, p := range snap {
		l[p.PID] = p.PPID
	}
	return l
}

// descends reports whether pid descends from root by the snapshot's
// parent links (as [proc.Descendants] finds them from root down), walking
// up from pid: only the candidates' chains are read, not the whole tree
// below root. A chain longer than the snapshot is a loop (a pid reused
// while the snapshot was taken) and proves nothing.
func (l lineage) descends(pid, root int) bool {
	if pid == root {
		return false
	}
	for range len(l) {
		ppid, ok := l[pid]
		switch {
		case !ok || ppid == pid:
			return false
		case ppid == root:
			return true
		}
		pid = ppid
	}
	return false
}
