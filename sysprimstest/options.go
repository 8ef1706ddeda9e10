package sysprimstest

import (
	"fmt"
	"syscall"
	"time"

	"go.uber.org/goleak"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/signal"
)

// Option changes how [Run], [Start], [TerminateTree], [VerifyNoLeaks] or
// [VerifyTestMain] behave. Options are made by the functions in this file;
// one that makes no sense for an entry point is reported as an error there.
type Option interface {
	String() string
	apply(*settings)
	entries() entry
}

// entry is a bit set of the entry points an option applies to.
type entry uint8

const (
	entryRun entry = 1 << iota
	entryStart
	entryTerminate
	entryVerify
	entryTestMain

	entryTree    = entryRun | entryStart
	entryKilling = entryTree | entryTerminate
	entryLeaks   = entryVerify | entryTestMain
)

func (e entry) String() string {
	names := []string{"Run", "Start", "TerminateTree", "VerifyNoLeaks", "VerifyTestMain"}
	for i, n := range names {
		if e == 1<<i {
			return n
		}
	}
	return fmt.Sprintf("entry(%d)", uint8(e))
}

// settings holds every option's value; defaults live in defaults alone.
type settings struct {
	grace      time.Duration
	signal     syscall.Signal
	mechanism  platform.Mechanism
	require    bool
	capture    bool
	hangAfter  time.Duration
	ignore     []ignoreRule
	goroutines bool
	goleakOpts []goleak.Option
}

// ignoreRule is one way of excusing a long-lived process from a leak check.
type ignoreRule struct {
	what  string
	match func(ProcessInfo) bool
}

func defaults() settings {
	return settings{
		grace:     2 * time.Second,
		signal:    syscall.SIGTERM,
		capture:   true,
		hangAfter: 10 * time.Second,
	}
}

// newSettings applies opts for the entry point e, or explains which option
// does not belong there.
func newSettings(e entry, opts []Option) (settings, error) {
	s := defaults()
	for _, o := range opts {
		if o.entries()&e == 0 {
			return s, fmt.Errorf("sysprims: option %v does not apply to %v", o, e)
		}
		o.apply(&s)
	}
	return s, nil
}

// option is the one implementation of Option.
type option struct {
	name  string
	where entry
	fn    func(*settings)
}

func (o option) String() string    { return o.name }
func (o option) apply(s *settings) { o.fn(s) }
func (o option) entries() entry    { return o.where }

// WithGrace sets how long a tree has between the polite signal and
// SIGKILL (default 2s). Teardown ends as soon as the tree is empty.
func WithGrace(d time.Duration) Option {
	return option{fmt.Sprintf("WithGrace(%v)", d), entryKilling, func(s *settings) { s.grace = d }}
}

// WithSignal sets the polite signal sent first at teardown (default
// SIGTERM). SIGCONT always follows it so stopped members can act on it.
func WithSignal(sig syscall.Signal) Option {
	return option{fmt.Sprintf("WithSignal(%v)", signal.Name(sig)), entryKilling, func(s *settings) { s.signal = sig }}
}

// WithMechanism asks for a container mechanism ("cgroup_v2", "subreaper",
// "process_group", "job_object"). When it is unavailable the strongest
// available one is used and the Result says which.
func WithMechanism(m string) Option {
	return option{fmt.Sprintf("WithMechanism(%q)", m), entryTree, func(s *settings) { s.mechanism = platform.Mechanism(m) }}
}

// RequireGuaranteed skips the test, with the reason, when the machine
// cannot give a guaranteed teardown (or the mechanism asked for with
// [WithMechanism]).
func RequireGuaranteed() Option {
	return option{"RequireGuaranteed()", entryTree, func(s *settings) { s.require = true }}
}

// WithoutCapture stops the library from copying the command's output into
// the Result and the Process buffers. The command's own Stdout and Stderr
// are always honoured.
func WithoutCapture() Option {
	return option{"WithoutCapture()", entryTree, func(s *settings) { s.capture = false }}
}

// WithHangReport sets how long a wait may last before the live tree is
// logged once, so a hung test explains itself (default 10s; 0 disables).
func WithHangReport(d time.Duration) Option {
	return option{fmt.Sprintf("WithHangReport(%v)", d), entryTree, func(s *settings) { s.hangAfter = d }}
}

// IgnoreName excuses processes with this exact name from leak checks.
func IgnoreName(name string) Option {
	return ignore(fmt.Sprintf("IgnoreName(%q)", name), func(p ProcessInfo) bool { return p.Name == name })
}

// IgnorePID excuses the process with this pid from leak checks.
func IgnorePID(pid int) Option {
	return ignore(fmt.Sprintf("IgnorePID(%d)", pid), func(p ProcessInfo) bool { return p.PID == pid })
}

// IgnoreFunc excuses every process for which match reports true; what
// names the rule in messages.
func IgnoreFunc(what string, match func(ProcessInfo) bool) Option {
	return ignore(fmt.Sprintf("IgnoreFunc(%q)", what), match)
}

func ignore(name string, match func(ProcessInfo) bool) Option {
	return option{name, entryLeaks, func(s *settings) { s.ignore = append(s.ignore, ignoreRule{name, match}) }}
}

// WithGoroutines makes [VerifyTestMain] also check for leaked goroutines
// with goleak, passing opts on to it.
func WithGoroutines(opts ...goleak.Option) Option {
	return option{"WithGoroutines()", entryTestMain, func(s *settings) {
		s.goroutines = true
		s.goleakOpts = append(s.goleakOpts, opts...)
	}}
}

// ignored reports whether one of the ignore rules excuses p.
func (s *settings) ignored(p ProcessInfo) bool {
	for _, r := range s.ignore {
		if r.match(p) {
			return true
		}
	}
	return false
}
