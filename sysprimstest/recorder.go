package sysprimstest

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Recorder is a [TB] for using this package outside a Go test: in a
// program, an example, a benchmark harness (this module's
// cmd/sysprims-compare uses it). It records what a test would report instead
// of failing, and runs the registered cleanups, last first, when Close is
// called. It is safe for concurrent use.
type Recorder struct {
	name string
	// Deadline, when not zero, caps timeouts as a test deadline would.
	Deadline time.Time

	mu       sync.Mutex
	errors   []string
	logs     []string
	skipped  string
	cleanups []func()
}

var _ TB = (*Recorder)(nil)

// NewRecorder returns a Recorder that calls itself name.
func NewRecorder(name string) *Recorder { return &Recorder{name: name} }

// Helper does nothing; it is part of [TB].
func (r *Recorder) Helper() {}

// Name returns the name given to [NewRecorder].
func (r *Recorder) Name() string { return r.name }

// Errorf records an error.
func (r *Recorder) Errorf(format string, args ...any) { r.add(&r.errors, format, args) }

// Logf records a log line.
func (r *Recorder) Logf(format string, args ...any) { r.add(&r.logs, format, args) }

// Skipf records the reason a test would have been skipped for.
func (r *Recorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skipped = fmt.Sprintf(format, args...)
}

func (r *Recorder) add(to *[]string, format string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*to = append(*to, fmt.Sprintf(format, args...))
}

// Cleanup registers fn to run at Close.
func (r *Recorder) Cleanup(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, fn)
}

// Failed reports whether an error was recorded.
func (r *Recorder) Failed() bool { return len(r.Errors()) > 0 }

// Errors returns the errors recorded so far.
func (r *Recorder) Errors() []string { return r.copyOf(&r.errors) }

// Logs returns the log lines recorded so far.
func (r *Recorder) Logs() []string { return r.copyOf(&r.logs) }

// Skipped returns the skip reason, or "" if nothing asked to skip.
func (r *Recorder) Skipped() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.skipped
}

func (r *Recorder) copyOf(s *[]string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), (*s)...)
}

// Close runs the registered cleanups, last registered first, as the
// testing package does at the end of a test (a cleanup that registers
// another has it run too), and returns the recorded errors joined on
// lines ("" when there were none).
func (r *Recorder) Close() string {
	for fn := r.popCleanup(); fn != nil; fn = r.popCleanup() {
		fn()
	}
	return strings.Join(r.Errors(), "\n")
}

// popCleanup removes and returns the last registered cleanup, or nil.
func (r *Recorder) popCleanup() func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.cleanups)
	if n == 0 {
		return nil
	}
	fn := r.cleanups[n-1]
	r.cleanups = r.cleanups[:n-1]
	return fn
}

// deadline makes a Recorder with a Deadline act as a deadliner.
func (r *Recorder) deadline() (time.Time, bool) { return r.Deadline, !r.Deadline.IsZero() }
