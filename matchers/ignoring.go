package matchers

import (
	"fmt"

	"github.com/3leaps/sysprims-go/process"
	"github.com/onsi/gomega/format"
)

// ignoringMatcher is a fixed test on one process.
type ignoringMatcher struct {
	what  string
	match func(process.Info) bool
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

// processInfoOf accepts a process.Info or a non-nil pointer to one.
func processInfoOf(matcher string, actual any) (process.Info, error) {
	switch a := actual.(type) {
	case process.Info:
		return a, nil
	case *process.Info:
		if a != nil {
			return *a, nil
		}
	}
	return process.Info{}, fmt.Errorf("sysprims: %s expects a process.Info, got:\n%s",
		matcher, format.Object(actual, 1))
}
