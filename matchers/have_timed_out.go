package matchers

import (
	"github.com/onsi/gomega/types"
)

// HaveTimedOut succeeds when the tree's deadline passed and the tree was
// torn down ([sysprimstest.Result].TimedOut). The actual is a
// *sysprimstest.Process or a *sysprimstest.Result; a Process that has not
// been waited for has not timed out yet.
//
//	res := sysprimstest.Run(t, 100*time.Millisecond, exec.Command("sleep", "10"))
//	Expect(res).To(HaveTimedOut())
func HaveTimedOut() types.GomegaMatcher {
	return &timedOutMatcher{}
}

type timedOutMatcher struct {
	s subject
}

func (m *timedOutMatcher) Match(actual any) (bool, error) {
	s, err := subjectOf("HaveTimedOut", actual)
	if err != nil {
		return false, err
	}
	m.s = s
	return s.r != nil && s.r.TimedOut, nil
}

func (m *timedOutMatcher) FailureMessage(actual any) string {
	if m.s.r == nil {
		return message(actual, "to have timed out, but it has not been waited for")
	}
	return message(actual, "to have timed out, but "+m.s.ending().String())
}

func (m *timedOutMatcher) NegatedFailureMessage(actual any) string {
	return message(actual, "not to have timed out")
}

func (m *timedOutMatcher) MatchMayChangeInTheFuture(actual any) bool {
	return !final(actual)
}
