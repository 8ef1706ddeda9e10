package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/process"
)

// HaveDescendants applies matcher to the live members of the tree other
// than its root, as a []process.Info, wherever they moved
// (another session or group, reparented). The actual is a
// *sysprimstest.Process or a *sysprimstest.Result; once the tree has been
// torn down its only live members are the Result's Survivors.
//
//	Eventually(p).Should(HaveDescendants(HaveLen(2)))
//	Expect(p).To(HaveDescendants(ContainElement(HaveField("Name", "worker"))))
func HaveDescendants(matcher types.GomegaMatcher) types.GomegaMatcher {
	if matcher == nil {
		panic("sysprims: HaveDescendants needs a matcher, e.g. HaveDescendants(HaveLen(2))")
	}
	return &descendantsMatcher{inner: matcher}
}

type descendantsMatcher struct {
	inner   types.GomegaMatcher
	members []process.Info
}

func (m *descendantsMatcher) Match(actual any) (bool, error) {
	s, err := subjectOf("HaveDescendants", actual)
	if err != nil {
		return false, err
	}
	if m.members, err = s.liveMembers(); err != nil {
		return false, err
	}
	return m.inner.Match(m.members)
}

// liveMembers lists the live members of the tree other than its root.
func (s subject) liveMembers() ([]process.Info, error) {
	if s.r != nil {
		return s.r.Survivors, nil
	}
	all, err := s.p.Members()
	if err != nil {
		return nil, fmt.Errorf("sysprims: HaveDescendants: %w", err)
	}
	out := []process.Info{}
	for _, p := range all {
		if p.PID != s.p.Pid() && !p.State.Gone() {
			out = append(out, p)
		}
	}
	return out, nil
}

func (m *descendantsMatcher) FailureMessage(actual any) string {
	return m.explain(actual, m.inner.FailureMessage(m.members))
}

func (m *descendantsMatcher) NegatedFailureMessage(actual any) string {
	return m.explain(actual, m.inner.NegatedFailureMessage(m.members))
}

func (m *descendantsMatcher) explain(actual any, inner string) string {
	list := owner.Lines(m.members, format.Indent)
	if list == "" {
		list = "\n" + format.Indent + "(none)"
	}
	return fmt.Sprintf("Expected the live descendants of\n%s\nto satisfy the matcher; they are:%s\n%s",
		render(actual), list, inner)
}

func (m *descendantsMatcher) MatchMayChangeInTheFuture(actual any) bool {
	return !final(actual)
}
