package matchers

import (
	"fmt"
	"os"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// HaveLeakedProcesses succeeds when the actual snapshot holds leaked
// processes: live (not zombie) processes that are not in any baseline
// snapshot (matched by pid and start time) and that belong to this test
// binary — they carry a marker this binary minted (SYSPRIMS_RUN_ID;
// one it inherited from a wrapper names another run) or descend from the
// test process. It judges by the same rule as [sysprimstest.VerifyTestMain]
// and reads command lines and markers itself, for the processes new since
// the baselines only, so a cheap [sysprimstest.Snapshot] is enough. This
// library's own helper processes and kernel threads are never leaks. Use
// it negated, with Eventually, so that a tree being torn down has time to
// go:
//
//	before, err := sysprimstest.Snapshot()
//	// ... start and stop things ...
//	Eventually(sysprimstest.Snapshot).ShouldNot(HaveLeakedProcesses(before))
//
// The arguments are baseline snapshots ([]process.Info) and
// ignore filters: any Gomega matcher over a process.Info
// ([IgnoringName], [IgnoringPID], [IgnoringProcess]); a process a filter
// matches is not a leak. Other arguments panic.
//
// The actual is a snapshot, or a function returning one (optionally with
// an error), which is called once per match.
//
// The check covers the whole test binary: in parallel tests of one
// binary, the processes of the other tests count too (ignore them, or use
// [sysprimstest.VerifyNoLeaks], which is scoped to one test). Separate
// Ginkgo parallel processes do not see each other's processes.
func HaveLeakedProcesses(baselineOrIgnoring ...any) types.GomegaMatcher {
	m := &leakedMatcher{scope: owner.Scope{Baseline: map[process.Identity]bool{}, Self: os.Getpid(), Helper: platform.OwnHelper}}
	for _, arg := range baselineOrIgnoring {
		switch a := arg.(type) {
		case []process.Info:
			for _, p := range a {
				m.scope.Baseline[p.ID()] = true
			}
		case types.GomegaMatcher:
			m.ignoring = append(m.ignoring, a)
		default:
			panic(fmt.Sprintf("sysprims: HaveLeakedProcesses takes baseline snapshots ([]process.Info) and ignore matchers (IgnoringName, IgnoringPID, IgnoringProcess), got:\n%s",
				format.Object(arg, 1)))
		}
	}
	return m
}

type leakedMatcher struct {
	scope    owner.Scope // the whole binary: Test is ""
	ignoring []types.GomegaMatcher
	leaked   []process.Info
}

func (m *leakedMatcher) Match(actual any) (bool, error) {
	snap, err := snapshotOf(actual)
	if err != nil {
		return false, err
	}
	m.leaked, err = m.judge(snap)
	if err != nil {
		return false, err
	}
	return len(m.leaked) > 0, nil
}

// snapshotOf returns the snapshot actual holds or makes.
func snapshotOf(actual any) ([]process.Info, error) {
	switch a := actual.(type) {
	case []process.Info:
		return a, nil
	case func() []process.Info:
		if a != nil {
			return a(), nil
		}
	case func() ([]process.Info, error):
		if a != nil {
			snap, err := a()
			if err != nil {
				return nil, fmt.Errorf("sysprims: HaveLeakedProcesses: snapshot: %w", err)
			}
			return snap, nil
		}
	}
	return nil, fmt.Errorf("sysprims: HaveLeakedProcesses expects a []process.Info or a function returning one, got:\n%s",
		format.Object(actual, 1))
}

// judge picks the leaks out of one snapshot: owner charges the processes
// new since the baselines, with their markers and command lines read now
// where the snapshot lacks them (a process that is gone keeps what the
// snapshot says).
func (m *leakedMatcher) judge(snap []process.Info) ([]process.Info, error) {
	cands := m.scope.Candidates(snap)
	proc.Fill(cands, owner.Fields)
	found, _ := m.scope.Judge(snap, cands)
	var out []process.Info
	for _, f := range found {
		ignored, err := m.ignored(f.Info)
		if err != nil {
			return nil, err
		}
		if !ignored {
			out = append(out, f.Info)
		}
	}
	return out, nil
}

// ignored reports whether one of the ignore matchers excuses p.
func (m *leakedMatcher) ignored(p process.Info) (bool, error) {
	for _, ign := range m.ignoring {
		ok, err := ign.Match(p)
		if err != nil {
			return false, fmt.Errorf("sysprims: HaveLeakedProcesses: ignore matcher: %w", err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func (m *leakedMatcher) FailureMessage(any) string {
	return "Expected processes to have leaked, but none did"
}

func (m *leakedMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("Expected no processes to leak, but %d did:%s", len(m.leaked), owner.Lines(m.leaked, format.Indent))
}

// MatchMayChangeInTheFuture is false for a snapshot, which cannot change,
// and true for a function that takes a new one.
func (m *leakedMatcher) MatchMayChangeInTheFuture(actual any) bool {
	switch actual.(type) {
	case func() []process.Info, func() ([]process.Info, error):
		return true
	}
	return false
}
