package matchers

import (
	"fmt"

	"github.com/onsi/gomega/types"
)

// HaveExitCode succeeds when the root of the tree exited by itself with
// code n. A root ended by a signal has no exit code (see
// [HaveBeenKilledBy]). The actual is a *sysprimstest.Process or a
// *sysprimstest.Result; unlike gexec.Exit it also works on a Result, and
// it reads the exact exit status ([sysprimstest.Process.ExitStatus]), so
// a root that exits with 137 by itself is not taken for one SIGKILL
// ended.
func HaveExitCode(n int) types.GomegaMatcher {
	return &exitCodeMatcher{code: n}
}

type exitCodeMatcher struct {
	code int
	end  ending
}

func (m *exitCodeMatcher) Match(actual any) (bool, error) {
	s, err := subjectOf("HaveExitCode", actual)
	if err != nil {
		return false, err
	}
	m.end = s.ending()
	e := m.end
	return !e.running && e.err == nil && e.sig == 0 && e.code == m.code, nil
}

func (m *exitCodeMatcher) FailureMessage(actual any) string {
	return message(actual, fmt.Sprintf("to have exited with code %d, but %v", m.code, m.end))
}

func (m *exitCodeMatcher) NegatedFailureMessage(actual any) string {
	return message(actual, fmt.Sprintf("not to have exited with code %d", m.code))
}

func (m *exitCodeMatcher) MatchMayChangeInTheFuture(actual any) bool {
	return !final(actual)
}
