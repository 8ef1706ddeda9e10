package matchers

import (
	"github.com/onsi/gomega/types"
)

// IgnoringProcess matches a [process.Info] that matcher matches, for
// [HaveLeakedProcesses]:
//
//	HaveLeakedProcesses(before, IgnoringProcess(HaveField("PPID", 1)))
//
// Any Gomega matcher over a process.Info can be passed to
// HaveLeakedProcesses directly; IgnoringProcess names the intent.
func IgnoringProcess(matcher types.GomegaMatcher) types.GomegaMatcher {
	if matcher == nil {
		panic("sysprims: IgnoringProcess needs a matcher, e.g. IgnoringProcess(HaveField(\"Name\", \"agent\"))")
	}
	return &ignoringProcessMatcher{inner: matcher}
}

type ignoringProcessMatcher struct {
	inner types.GomegaMatcher
}

func (m *ignoringProcessMatcher) Match(actual any) (bool, error) {
	p, err := processInfoOf("IgnoringProcess", actual)
	if err != nil {
		return false, err
	}
	return m.inner.Match(p)
}

func (m *ignoringProcessMatcher) FailureMessage(actual any) string {
	return m.inner.FailureMessage(actual)
}

func (m *ignoringProcessMatcher) NegatedFailureMessage(actual any) string {
	return m.inner.NegatedFailureMessage(actual)
}
