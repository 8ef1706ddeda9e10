package matchers

import (
	"fmt"
	"os"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// HaveLeakedProcesses succeeds when the actual snapshot holds leaked
// processes: live (not zombie) processes that are not in any baseline
// snapshot (matched by pid and start time) and that belong to this test
// binary — they carry this run's marker ([sysprimstest.RunID]) or descend
// from the test process. This library's own helper processes are never
// leaks. Use it negated, with Eventually, so that a tree being torn down
// has time to go:
//
//	before, err := sysprimstest.Snapshot()
//	// ... start and stop things ...
//	Eventually(sysprimstest.Snapshot).ShouldNot(HaveLeakedProcesses(before))
//
// The arguments are baseline snapshots ([]sysprimstest.ProcessInfo) and
// ignore filters: any Gomega matcher over a sysprimstest.ProcessInfo
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
	m := &leakedMatcher{baseline: map[proc.Identity]bool{}, self: os.Getpid(), runID: sysprimstest.RunID()}
	for _, arg := range baselineOrIgnoring {
		switch a := arg.(type) {
		case []sysprimstest.ProcessInfo:
			for _, p := range a {
				m.baseline[p.ID()] = true
			}
		case types.GomegaMatcher:
			m.ignoring = append(m.ignoring, a)
		default:
			panic(fmt.Sprintf("sysprims: HaveLeakedProcesses takes baseline snapshots ([]sysprimstest.ProcessInfo) and ignore matchers (IgnoringName, IgnoringPID, IgnoringProcess), got:\n%s",
				format.Object(arg, 1)))
		}
	}
	return m
}

type leakedMatcher struct {
	baseline map[proc.Identity]bool
	ignoring []types.GomegaMatcher
	self     int    // the test process
	runID    string // this run's marker
	leaked   []sysprimstest.ProcessInfo
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
func snapshotOf(actual any) ([]sysprimstest.ProcessInfo, error) {
	switch a := actual.(type) {
	case []sysprimstest.ProcessInfo:
		return a, nil
	case func() []sysprimstest.ProcessInfo:
		if a != nil {
			return a(), nil
		}
	case func() ([]sysprimstest.ProcessInfo, error):
		if a != nil {
			snap, err := a()
			if err != nil {
				return nil, fmt.Errorf("sysprims: HaveLeakedProcesses: snapshot: %w", err)
			}
			return snap, nil
		}
	}
	return nil, fmt.Errorf("sysprims: HaveLeakedProcesses expects a []sysprimstest.ProcessInfo or a function returning one, got:\n%s",
		format.Object(actual, 1))
}

// judge picks the leaks out of one snapshot.
func (m *leakedMatcher) judge(snap []sysprimstest.ProcessInfo) ([]sysprimstest.ProcessInfo, error) {
	mine := subtree(snap, m.self)
	var out []sysprimstest.ProcessInfo
	for _, p := range snap {
		if p.State.Gone() || p.PID == m.self || m.baseline[p.ID()] || sysprimstest.IsHelper(p) {
			continue
		}
		if p.Markers[sysprimstest.EnvRunID] != m.runID && !mine[p.PID] {
			continue
		}
		ignored, err := m.ignored(p)
		if err != nil {
			return nil, err
		}
		if !ignored {
			out = append(out, p)
		}
	}
	return out, nil
}

// ignored reports whether one of the ignore matchers excuses p.
func (m *leakedMatcher) ignored(p sysprimstest.ProcessInfo) (bool, error) {
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
	return fmt.Sprintf("Expected no processes to leak, but %d did:%s", len(m.leaked), processLines(m.leaked))
}

// MatchMayChangeInTheFuture is false for a snapshot, which cannot change,
// and true for a function that takes a new one.
func (m *leakedMatcher) MatchMayChangeInTheFuture(actual any) bool {
	switch actual.(type) {
	case func() []sysprimstest.ProcessInfo, func() ([]sysprimstest.ProcessInfo, error):
		return true
	}
	return false
}
