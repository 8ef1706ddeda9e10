package sysprimstest

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// fakeT is a TB that records what a test would report, so failures the
// library is meant to produce can be asserted on.
type fakeT struct {
	mu       sync.Mutex
	name     string
	errors   []string
	logs     []string
	skipped  string
	cleanups []func()
	deadline time.Time
}

var _ TB = (*fakeT)(nil)

func newFakeT(name string) *fakeT { return &fakeT{name: name} }

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return f.name }

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeT) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

func (f *fakeT) Skipf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.skipped = fmt.Sprintf(format, args...)
}

func (f *fakeT) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

func (f *fakeT) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.errors) > 0
}

// Deadline makes fakeT a deadliner when deadline is set.
func (f *fakeT) Deadline() (time.Time, bool) { return f.deadline, !f.deadline.IsZero() }

// finish runs the cleanups, last registered first, as testing does.
func (f *fakeT) finish() {
	f.mu.Lock()
	fns := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

func (f *fakeT) errorText() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.errors, "\n")
}
