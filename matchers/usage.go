package matchers

import (
	"fmt"
	"strings"

	"github.com/3leaps/sysprims-go/process"
)

// usageMatcher bounds one figure of a Result's [process.Usage]. A figure
// the container could not measure is an error, never a pass: a bound on
// nothing proves nothing.
type usageMatcher struct {
	name   string                                  // the matcher's name, for errors
	want   string                                  // "to have used at most 2s of CPU time"
	figure string                                  // the figure's name in Usage.Unmeasured
	source func(process.Usage) process.UsageSource // where the figure came from
	within func(process.Usage) bool                // the bound holds
	got    func(process.Usage) string              // the figure, for people

	s subject
}

func (m *usageMatcher) Match(actual any) (bool, error) {
	s, err := subjectOf(m.name, actual)
	if err != nil {
		return false, err
	}
	m.s = s
	switch {
	case s.r == nil:
		return false, nil
	case s.r.Err != nil:
		return false, fmt.Errorf("sysprims: %s: the command never started: %w", m.name, s.r.Err)
	case m.source(s.r.Usage) == process.Unmeasured:
		return false, fmt.Errorf("sysprims: %s: %s was not measured by %s (unmeasured: %s)",
			m.name, strings.ReplaceAll(m.figure, "_", " "), s.r.Mechanism, strings.Join(s.r.Usage.Unmeasured(), ", "))
	}
	return m.within(s.r.Usage), nil
}

func (m *usageMatcher) FailureMessage(actual any) string {
	if m.s.r == nil {
		return message(actual, m.want+", but it has not been waited for")
	}
	return message(actual, m.want+", but "+m.got(m.s.r.Usage))
}

func (m *usageMatcher) NegatedFailureMessage(actual any) string {
	return message(actual, "not "+m.want+", but "+m.got(m.s.r.Usage))
}

func (m *usageMatcher) MatchMayChangeInTheFuture(actual any) bool {
	return !final(actual)
}
