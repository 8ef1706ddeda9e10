package matchers

import (
	"syscall"

	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/internal/signal"
)

// HaveBeenKilledBy succeeds when the root of the tree was ended by sig.
// The actual is a *sysprimstest.Process or a *sysprimstest.Result; the
// exact exit status is read ([sysprimstest.Process.ExitStatus]), so an
// exit code of 128+n is never taken for a signal.
//
//	p.Kill()
//	Eventually(p).Should(HaveBeenKilledBy(syscall.SIGKILL))
func HaveBeenKilledBy(sig syscall.Signal) types.GomegaMatcher {
	return &killedByMatcher{sig: sig}
}

type killedByMatcher struct {
	sig syscall.Signal
	end ending
}

func (m *killedByMatcher) Match(actual any) (bool, error) {
	s, err := subjectOf("HaveBeenKilledBy", actual)
	if err != nil {
		return false, err
	}
	m.end = s.ending()
	return !m.end.running && m.end.err == nil && m.end.sig == m.sig, nil
}

func (m *killedByMatcher) FailureMessage(actual any) string {
	return message(actual, "to have been killed by "+signal.Name(m.sig)+", but "+m.end.String())
}

func (m *killedByMatcher) NegatedFailureMessage(actual any) string {
	return message(actual, "not to have been killed by "+signal.Name(m.sig))
}

func (m *killedByMatcher) MatchMayChangeInTheFuture(actual any) bool {
	return !final(actual)
}
