package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"

	"github.com/3leaps/sysprims-go/sysprimstest"
)

// ignoringMatcher is a fixed test on one process.
type ignoringMatcher struct {
	what  string
	match func(sysprimstest.ProcessInfo) bool
}

func (m *ignoringMatcher) Match(actual any) (bool, error) {
	p, err := processInfoOf("an ignoring matcher", actual)
	if err != nil {
		return false, err
	}
	return m.match(p), nil
}

func (m *ignoringMatcher) FailureMessage(actual any) string {
	return format.Message(actual, m.what)
}

func (m *ignoringMatcher) NegatedFailureMessage(actual any) string {
	return format.Message(actual, "not "+m.what)
}

// processInfoOf accepts a ProcessInfo or a non-nil pointer to one.
func processInfoOf(matcher string, actual any) (sysprimstest.ProcessInfo, error) {
	switch a := actual.(type) {
	case sysprimstest.ProcessInfo:
		return a, nil
	case *sysprimstest.ProcessInfo:
		if a != nil {
			return *a, nil
		}
	}
	return sysprimstest.ProcessInfo{}, fmt.Errorf("sysprims: %s expects a sysprimstest.ProcessInfo, got:\n%s",
		matcher, format.Object(actual, 1))
}
