package matchers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/process"
)

// BeTreeKilled succeeds when the tree has been torn down (the Process
// has a Result, or a Result was passed), nothing survived, and the
// teardown's reliability is one of those given ([process.Guaranteed],
// [process.BestEffort]; any when none is given). A value that is neither
// panics.
//
//	p.Stop()
//	Expect(p).To(BeTreeKilled(process.Guaranteed))
func BeTreeKilled(reliability ...process.Reliability) types.GomegaMatcher {
	for _, r := range reliability {
		if !r.Valid() {
			panic(fmt.Sprintf("sysprims: BeTreeKilled: unknown reliability %q; pass process.Guaranteed or process.BestEffort", r))
		}
	}
	return &treeKilledMatcher{want: reliability}
}

type treeKilledMatcher struct {
	want []process.Reliability
	s    subject
}

func (m *treeKilledMatcher) Match(actual any) (bool, error) {
	s, err := subjectOf("BeTreeKilled", actual)
	if err != nil {
		return false, err
	}
	m.s = s
	r := s.r
	return r != nil && r.Err == nil && len(r.Survivors) == 0 && m.reliable(r.Reliability), nil
}

func (m *treeKilledMatcher) reliable(got process.Reliability) bool {
	return len(m.want) == 0 || slices.Contains(m.want, got)
}

func (m *treeKilledMatcher) FailureMessage(actual any) string {
	r := m.s.r
	switch {
	case r == nil:
		return message(actual, "to have been torn down, but it has not been stopped or waited for")
	case r.Err != nil:
		return message(actual, fmt.Sprintf("to have been torn down, but it never started: %v", r.Err))
	case len(r.Survivors) > 0:
		return message(actual, fmt.Sprintf("to have been torn down, but %d process(es) survived:%s",
			len(r.Survivors), owner.Lines(r.Survivors, format.Indent)))
	}
	want := make([]string, len(m.want))
	for i, w := range m.want {
		want[i] = string(w)
	}
	return message(actual, fmt.Sprintf("to have been torn down with reliability %s, but it was %q (%s)",
		strings.Join(want, " or "), r.Reliability, r.Mechanism))
}

func (m *treeKilledMatcher) NegatedFailureMessage(actual any) string {
	return message(actual, "not to have been torn down without survivors")
}

func (m *treeKilledMatcher) MatchMayChangeInTheFuture(actual any) bool {
	return !final(actual)
}
