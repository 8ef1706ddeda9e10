package sysprimstest

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/process"
)

func TestOptionsApply(t *testing.T) {
	s, err := newSettings(entryStart, []Option{
		WithGrace(50 * time.Millisecond), WithSignal(syscall.SIGINT),
		WithMechanism("subreaper"), RequireGuaranteed(), WithoutCapture(), WithHangReport(0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.grace != 50*time.Millisecond || s.signal != syscall.SIGINT || s.mechanism != "subreaper" ||
		!s.require || s.capture || s.hangAfter != 0 {
		t.Errorf("settings not applied: %+v", s)
	}
}

func TestOptionsDefaults(t *testing.T) {
	s, err := newSettings(entryRun, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.grace != 2*time.Second || s.signal != syscall.SIGTERM || !s.capture || s.mechanism != "" {
		t.Errorf("unexpected defaults: %+v", s)
	}
}

func TestOptionsRejectedWhereMeaningless(t *testing.T) {
	cases := []struct {
		e    entry
		opt  Option
		want string
	}{
		{entryRun, IgnoreName("x"), `invalid option: IgnoreName("x") does not apply to Run`},
		{entryVerify, WithGrace(time.Second), "invalid option: WithGrace(1s) does not apply to VerifyNoLeaks"},
		{entryVerify, WithGoroutines(), "invalid option: WithGoroutines() does not apply to VerifyNoLeaks"},
		{entryTerminate, WithoutCapture(), "invalid option: WithoutCapture() does not apply to TerminateTree"},
		{entryTestMain, IgnorePID(7), ""},
		{entryStart, WithSignal(syscall.SIGHUP), ""},
		{entryRun, WithDescriptors(), "invalid option: WithDescriptors() does not apply to Run"},
		{entryVerify, WithDescriptors(), ""},
		{entryTestMain, WithDescriptors(), ""},
		{entryTerminate, WithLogger(nil), ""},
		{entryVerify, WithLogger(nil), ""},
	}
	for _, c := range cases {
		_, err := newSettings(c.e, []Option{c.opt})
		if c.want == "" {
			if err != nil {
				t.Errorf("%v for %v: unexpected error %v", c.opt, c.e, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalidOption) {
			t.Errorf("%v for %v: error %v, want %q", c.opt, c.e, err, c.want)
		}
	}
}

// Each bad value gets an error that says what to pass instead. Before,
// a nil Option panicked, WithSignal(99) and an unknown mechanism were
// accepted, WithGrace(0) meant 2s, and RequireGuaranteed with the process
// group mechanism neither skipped nor failed.
func TestOptionsBadInput(t *testing.T) {
	cases := []struct {
		name string
		opts []Option
		want string
	}{
		{"nil option", []Option{WithGrace(time.Second), nil}, "option 2 of Start is nil; pass one made by this package"},
		{"unknown signal", []Option{WithSignal(99)}, "WithSignal(signal 99): this platform has no signal 99; pass one such as syscall.SIGTERM"},
		{"zero signal", []Option{WithSignal(0)}, "this platform has no signal 0"},
		{"unknown mechanism", []Option{WithMechanism("cgroup")}, `WithMechanism("cgroup"): unknown mechanism; pass one of process.MechanismCgroupV2`},
		{"zero grace", []Option{WithGrace(0)}, "WithGrace(0s): the grace must be positive; to kill at once, use WithSignal(syscall.SIGKILL)"},
		{"negative grace", []Option{WithGrace(-time.Second)}, "WithGrace(-1s): the grace must be positive"},
		{"negative hang report", []Option{WithHangReport(-time.Second)}, "WithHangReport(-1s): negative; pass 0 to disable the report"},
		{"guaranteed process group", []Option{WithMechanism(process.MechanismProcessGroup), RequireGuaranteed()},
			`RequireGuaranteed() with WithMechanism("process_group"): that mechanism is always best_effort; drop one of the two`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := newSettings(entryStart, c.opts)
			if !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	for _, c := range []struct {
		e    entry
		opts []Option
		want string
	}{
		{entryVerify, []Option{IgnoreName("")}, `IgnoreName(""): an empty name matches nothing`},
		{entryVerify, []Option{IgnoreFunc("all", nil)}, `IgnoreFunc("all"): match is nil`},
	} {
		if _, err := newSettings(c.e, c.opts); !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
}

// The values that are fine are accepted: a polite SIGKILL (the way to
// kill at once), RequireGuaranteed with a guaranteed mechanism, no hang
// report, the automatic mechanism.
func TestOptionsGoodInput(t *testing.T) {
	for _, opts := range [][]Option{
		{WithSignal(syscall.SIGKILL), WithGrace(time.Nanosecond)},
		{WithMechanism(process.MechanismSubreaper), RequireGuaranteed()},
		{WithMechanism(process.MechanismAuto), RequireGuaranteed(), WithHangReport(0)},
	} {
		if _, err := newSettings(entryRun, opts); err != nil {
			t.Errorf("%v: %v", opts, err)
		}
	}
}

func TestIgnoreRules(t *testing.T) {
	s, err := newSettings(entryVerify, []Option{
		IgnoreName("agent"), IgnorePID(42),
		IgnoreFunc("big", func(p process.Info) bool { return p.MemoryKB > 1000 }),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    process.Info
		want bool
	}{
		{process.Info{PID: 1000, Name: "agent"}, true},
		{process.Info{PID: 42, Name: "x"}, true},
		{process.Info{PID: 43, Name: "x", MemoryKB: 2000}, true},
		{process.Info{PID: 44, Name: "agent2"}, false},
		// by the base of argv[0], as matchers.IgnoringName (before, exact name only)
		{process.Info{PID: 45, Name: "agent-with-a-lo", Cmdline: []string{"/opt/agent-with-a-long-name"}}, false},
		{process.Info{PID: 46, Name: "python3", Cmdline: []string{"/usr/bin/agent", "x"}}, true},
	} {
		if got := s.ignored(c.p); got != c.want {
			t.Errorf("ignored(%v) = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestEntryString(t *testing.T) {
	if got := entry(3).String(); got != "entry(3)" {
		t.Errorf("entry(3) = %q", got)
	}
}

func TestCapTimeout(t *testing.T) {
	f := NewRecorder("cap")
	if got := capTimeout(f, time.Minute, time.Second); got != time.Minute {
		t.Errorf("no deadline: got %v", got)
	}
	f.Deadline = time.Now().Add(20 * time.Second)
	got := capTimeout(f, time.Minute, time.Second)
	if got <= 15*time.Second || got >= 19*time.Second {
		t.Errorf("capped to %v, want about 18s", got)
	}
	if got := capTimeout(f, time.Second, time.Second); got != time.Second {
		t.Errorf("short timeout changed to %v", got)
	}
	if got := capTimeout(f, 0, time.Second); got < 15*time.Second {
		t.Errorf("zero timeout should run to the deadline, got %v", got)
	}
	f.Deadline = time.Now()
	if got := capTimeout(f, time.Minute, time.Second); got != time.Millisecond {
		t.Errorf("past deadline: got %v", got)
	}
}

// A cleanup registered by a cleanup runs too, as in the testing package
// (the comparison harness relied on that in a recorder of its own).
func TestRecorderRunsNestedCleanups(t *testing.T) {
	r := NewRecorder("nested")
	var order []string
	r.Cleanup(func() { order = append(order, "first") })
	r.Cleanup(func() {
		order = append(order, "second")
		r.Cleanup(func() { order = append(order, "nested") })
	})
	r.Errorf("failed %d", 1)
	r.Logf("log %d", 2)
	if got := r.Close(); got != "failed 1" || !r.Failed() || r.Logs()[0] != "log 2" {
		t.Errorf("Close() = %q, Failed %v, Logs %q", got, r.Failed(), r.Logs())
	}
	if got := strings.Join(order, ","); got != "second,nested,first" {
		t.Errorf("cleanups ran %s, want second,nested,first", got)
	}
}
