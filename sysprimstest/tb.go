package sysprimstest

import (
	"testing"
	"time"
)

// TB is the part of a test handle this package uses. *testing.T,
// *testing.B and Ginkgo's GinkgoT() satisfy it, and so can a fake.
type TB interface {
	Helper()
	Name() string
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
	Skipf(format string, args ...any)
	Cleanup(func())
	Failed() bool
}

var (
	_ TB = (*testing.T)(nil)
	_ TB = (*testing.B)(nil)
)

// deadliner is implemented by *testing.T.
type deadliner interface {
	Deadline() (time.Time, bool)
}

// capTimeout shortens timeout so that the run, its grace period and a
// slice for reporting still end before the test binary's own deadline, as
// Go's internal/testenv does. A non-positive timeout means "until the
// deadline".
func capTimeout(t TB, timeout, grace time.Duration) time.Duration {
	var deadline time.Time
	ok := false
	switch d := t.(type) {
	case deadliner:
		deadline, ok = d.Deadline()
	case *Recorder:
		deadline, ok = d.deadline()
	}
	if !ok {
		return timeout
	}
	left := time.Until(deadline)
	left -= left / 20           // a slice for reporting the failure
	left -= grace + time.Second // room for the teardown itself
	if left <= 0 {
		left = time.Millisecond
	}
	if timeout <= 0 || timeout > left {
		return left
	}
	return timeout
}
