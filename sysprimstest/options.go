package sysprimstest

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"time"

	"go.uber.org/goleak"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/process"
)

// Option changes how [Run], [Start], [TerminateTree], [VerifyNoLeaks] or
// [VerifyTestMain] behave. Options are made by the functions in this file.
// A nil Option, a bad value (WithSignal of a signal that does not end a
// process, say), a contradiction between options, or an option that makes
// no sense for the entry point it is passed to is an error there, wrapping
// [ErrInvalidOption]: Run and Start fail the test without starting
// anything, VerifyTestMain exits with code 2.
type Option interface {
	String() string
	apply(*settings)
	entries() entry
	check() error
}

// ErrInvalidOption is the sentinel an error about a bad [Option] wraps.
var ErrInvalidOption = errors.New("sysprims: invalid option")

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
	grace       time.Duration
	signal      syscall.Signal
	mechanism   process.Mechanism
	require     bool
	capture     bool
	outputLimit int
	hangAfter   time.Duration
	ignore      []ignoreRule
	goroutines  bool
	goleakOpts  []goleak.Option
	// descriptors: leak checks also report file descriptors left open.
	descriptors bool
	logger      *slog.Logger // where events go; nil: nowhere
}

// ignoreRule is one way of excusing a long-lived process from a leak check.
type ignoreRule struct {
	what  string
	match func(process.Info) bool
}

func defaults() settings {
	return settings{
		grace:       2 * time.Second,
		signal:      syscall.SIGTERM,
		capture:     true,
		outputLimit: DefaultOutputLimit,
		hangAfter:   10 * time.Second,
		logger:      defaultLogger.Load(),
	}
}

// newSettings applies opts for the entry point e, or explains which option
// is wrong there and what to pass instead.
func newSettings(e entry, opts []Option) (settings, error) {
	s := defaults()
	for i, o := range opts {
		switch {
		case o == nil:
			return s, fmt.Errorf("%w: option %d of %v is nil; pass one made by this package, such as WithGrace(5*time.Second)", ErrInvalidOption, i+1, e)
		case o.entries()&e == 0:
			return s, fmt.Errorf("%w: %v does not apply to %v", ErrInvalidOption, o, e)
		}
		if err := o.check(); err != nil {
			return s, fmt.Errorf("%w: %v: %v", ErrInvalidOption, o, err)
		}
		o.apply(&s)
	}
	return s, s.check()
}

// check finds options that contradict each other.
func (s *settings) check() error {
	if s.require && s.mechanism != process.MechanismAuto && process.ReliabilityOf(s.mechanism) != process.Guaranteed {
		return fmt.Errorf("%w: RequireGuaranteed() with WithMechanism(%q): that mechanism is always %s; drop one of the two",
			ErrInvalidOption, s.mechanism, process.ReliabilityOf(s.mechanism))
	}
	return nil
}

// option is the one implementation of Option.
type option struct {
	name  string
	where entry
	fn    func(*settings)
	err   error // what is wrong with the value, reported by newSettings
}

func (o option) String() string    { return o.name }
func (o option) apply(s *settings) { o.fn(s) }
func (o option) entries() entry    { return o.where }
func (o option) check() error      { return o.err }

// WithGrace sets how long a tree has between the polite signal and
// SIGKILL (default 2s). Teardown ends as soon as the tree is empty, so a
// tree that honours the signal never waits out the grace. The grace must
// be positive: to kill at once, use WithSignal(syscall.SIGKILL).
func WithGrace(d time.Duration) Option {
	o := option{fmt.Sprintf("WithGrace(%v)", d), entryKilling, func(s *settings) { s.grace = d }, nil}
	if d <= 0 {
		o.err = errors.New("the grace must be positive; to kill at once, use WithSignal(syscall.SIGKILL)")
	}
	return o
}

// WithSignal sets the polite signal sent first at teardown (default
// SIGTERM). SIGCONT always follows it so stopped members can act on it.
// It must be a signal of this platform that ends a process by default
// (SIGTERM, SIGINT, SIGHUP, SIGKILL, ...; on Windows SIGTERM, SIGINT or
// SIGKILL); SIGSTOP, SIGCHLD or a number the platform lacks is an error.
func WithSignal(sig syscall.Signal) Option {
	o := option{fmt.Sprintf("WithSignal(%v)", signal.String(sig)), entryKilling, func(s *settings) { s.signal = sig }, nil}
	switch {
	case signal.Name(sig) == "":
		o.err = fmt.Errorf("this platform has no signal %d; pass one such as syscall.SIGTERM or syscall.SIGINT", int(sig))
	case !signal.IsTerminating(sig):
		o.err = fmt.Errorf("%v does not end a process; pass one that does, such as syscall.SIGTERM or syscall.SIGINT", signal.Name(sig))
	}
	return o
}

// WithMechanism asks for a container mechanism (see [process.Mechanism]).
// When this machine lacks it, the strongest available one is used and
// [Result].Mechanism says which; with [RequireGuaranteed] the test is
// skipped instead. A value that names no mechanism is an error.
func WithMechanism(m process.Mechanism) Option {
	o := option{fmt.Sprintf("WithMechanism(%q)", m), entryTree, func(s *settings) { s.mechanism = m }, nil}
	if !m.Valid() {
		o.err = fmt.Errorf("unknown mechanism; pass one of %s, or process.MechanismAuto", mechanismNames())
	}
	return o
}

// mechanismNames lists the named mechanisms as Go names, for errors.
func mechanismNames() string {
	names := map[process.Mechanism]string{
		process.MechanismCgroupV2:     "process.MechanismCgroupV2",
		process.MechanismSubreaper:    "process.MechanismSubreaper",
		process.MechanismJobObject:    "process.MechanismJobObject",
		process.MechanismProcessGroup: "process.MechanismProcessGroup",
	}
	var out []string
	for _, m := range process.Mechanisms() {
		out = append(out, names[m])
	}
	return strings.Join(out, ", ")
}

// RequireGuaranteed skips the test, with the reason, when the machine
// cannot give a guaranteed teardown, or lacks the mechanism asked for
// with [WithMechanism]. With WithMechanism(process.MechanismProcessGroup),
// which is never guaranteed, it is an error.
func RequireGuaranteed() Option {
	return option{"RequireGuaranteed()", entryTree, func(s *settings) { s.require = true }, nil}
}

// WithoutCapture stops the library from copying the command's output into
// the Result and the Process buffers. The command's own Stdout and Stderr
// are always honoured.
func WithoutCapture() Option {
	return option{"WithoutCapture()", entryTree, func(s *settings) { s.capture = false }, nil}
}

// WithOutputLimit sets how many bytes of each output stream the capture
// keeps (default [DefaultOutputLimit]), so a tree that writes without end
// cannot exhaust the test's memory. Result.Stdout and Result.Stderr keep
// the first and the last n/2 bytes of a longer stream, with a line between
// them saying how many were dropped; [Process.Buffer] keeps the latest
// output. The command's own Stdout and Stderr still get every byte. n must
// be positive; for no limit pass math.MaxInt.
func WithOutputLimit(n int) Option {
	o := option{fmt.Sprintf("WithOutputLimit(%d)", n), entryTree, func(s *settings) { s.outputLimit = n }, nil}
	if n <= 0 {
		o.err = errors.New("the limit must be positive; to capture nothing, use WithoutCapture(); for no limit, math.MaxInt")
	}
	return o
}

// WithHangReport sets how long a wait may last before the live tree is
// logged once, so a hung test explains itself (default 10s; 0 disables
// the report; negative is an error).
func WithHangReport(d time.Duration) Option {
	o := option{fmt.Sprintf("WithHangReport(%v)", d), entryTree, func(s *settings) { s.hangAfter = d }, nil}
	if d < 0 {
		o.err = errors.New("negative; pass 0 to disable the report")
	}
	return o
}

// IgnoreName excuses from leak checks the processes that go by name: the
// name the kernel reports (on Linux truncated to 15 bytes) or the base
// name of their first argument, as matchers.IgnoringName does.
func IgnoreName(name string) Option {
	o := ignore(fmt.Sprintf("IgnoreName(%q)", name), func(p process.Info) bool { return owner.GoesBy(p, name) })
	if name == "" {
		o.err = errors.New("an empty name matches nothing")
	}
	return o
}

// IgnorePID excuses the process with this pid from leak checks.
func IgnorePID(pid int) Option {
	return ignore(fmt.Sprintf("IgnorePID(%d)", pid), func(p process.Info) bool { return p.PID == pid })
}

// IgnoreFunc excuses every process for which match reports true; what
// names the rule in messages. The process has its command line and
// markers.
func IgnoreFunc(what string, match func(process.Info) bool) Option {
	o := ignore(fmt.Sprintf("IgnoreFunc(%q)", what), match)
	if match == nil {
		o.err = errors.New("match is nil")
	}
	return o
}

func ignore(name string, match func(process.Info) bool) option {
	return option{name, entryLeaks, func(s *settings) { s.ignore = append(s.ignore, ignoreRule{name, match}) }, nil}
}

// WithGoroutines makes [VerifyTestMain] also check for leaked goroutines
// with goleak, passing opts on to it.
func WithGoroutines(opts ...goleak.Option) Option {
	return option{"WithGoroutines()", entryTestMain, func(s *settings) {
		s.goroutines = true
		s.goleakOpts = append(s.goleakOpts, opts...)
	}, nil}
}

// WithDescriptors makes [VerifyNoLeaks] and [VerifyTestMain] also report
// the file descriptors the test (or the test binary) opened and did not
// close — files, sockets, pipes — like goleak for descriptors: a baseline
// of /proc/self/fd is taken when the check begins, and at the end every
// descriptor that is new, or names another file since, fails the check
// with a [*DescriptorLeakError] naming it ("fd 7: socket tcp listening on
// 127.0.0.1:4242 (socket:[598896])", "fd 9: pipe write end (pipe:[77])",
// "fd 5: file /tmp/x (read-only)"). Trees are torn down first, so their
// descriptors are closed. It waits briefly for descriptors closed a
// moment ago (a listener whose Accept has not returned yet).
//
// Not reported: what the Go runtime opens on its own (the network
// poller's epoll and eventfd, which the check starts before its baseline:
// an epoll or eventfd the test opens is reported), process handles (pidfds; the process
// check judges their processes), and the descriptors this library keeps
// for the life of the binary (the cgroup guardian's socket and run
// directory lock). Idle keep-alive connections of an http.Client are
// open descriptors: close them (CloseIdleConnections) before the check.
// The test process's descriptors are shared by all its tests: with
// VerifyNoLeaks, tests running in parallel (t.Parallel) are charged with
// each other's open descriptors, so use it in tests that do not, or use
// VerifyTestMain.
//
// Linux only: elsewhere it checks nothing (there is no /proc/self/fd).
func WithDescriptors() Option {
	return option{"WithDescriptors()", entryLeaks, func(s *settings) { s.descriptors = true }, nil}
}

// ignored reports whether one of the ignore rules excuses p.
func (s *settings) ignored(p process.Info) bool {
	for _, r := range s.ignore {
		if r.match(p) {
			return true
		}
	}
	return false
}
