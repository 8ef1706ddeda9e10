package sysprimstest

import (
	"strings"
	"syscall"
	"testing"
	"time"
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
		{entryRun, IgnoreName("x"), `option IgnoreName("x") does not apply to Run`},
		{entryVerify, WithGrace(time.Second), "option WithGrace(1s) does not apply to VerifyNoLeaks"},
		{entryVerify, WithGoroutines(), "option WithGoroutines() does not apply to VerifyNoLeaks"},
		{entryTerminate, WithoutCapture(), "option WithoutCapture() does not apply to TerminateTree"},
		{entryTestMain, IgnorePID(7), ""},
		{entryStart, WithSignal(syscall.SIGHUP), ""},
	}
	for _, c := range cases {
		_, err := newSettings(c.e, []Option{c.opt})
		if c.want == "" {
			if err != nil {
				t.Errorf("%v for %v: unexpected error %v", c.opt, c.e, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v for %v: error %v, want %q", c.opt, c.e, err, c.want)
		}
	}
}

func TestIgnoreRules(t *testing.T) {
	s, err := newSettings(entryVerify, []Option{
		IgnoreName("agent"), IgnorePID(42),
		IgnoreFunc("big", func(p ProcessInfo) bool { return p.MemoryKB > 1000 }),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    ProcessInfo
		want bool
	}{
		{ProcessInfo{PID: 1000, Name: "agent"}, true},
		{ProcessInfo{PID: 42, Name: "x"}, true},
		{ProcessInfo{PID: 43, Name: "x", MemoryKB: 2000}, true},
		{ProcessInfo{PID: 44, Name: "agent2"}, false},
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
