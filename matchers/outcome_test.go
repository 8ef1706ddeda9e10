package matchers_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

func survivor(pid int, name string) process.Info {
	return process.Info{PID: pid, PPID: 1, PGID: pid, SID: pid, Name: name, State: process.StateSleeping,
		Cmdline: []string{name, "--forever"}, Markers: map[string]string{owner.EnvTest: "TestSomething"}}
}

var (
	exited0  = &sysprimstest.Result{ExitCode: 0, Duration: time.Second, Reliability: process.Guaranteed, Mechanism: process.MechanismCgroupV2}
	exited3  = &sysprimstest.Result{ExitCode: 3, Reliability: process.BestEffort, Mechanism: process.MechanismProcessGroup}
	killed   = &sysprimstest.Result{ExitCode: -1, Signal: syscall.SIGKILL, Reliability: process.Guaranteed, Mechanism: process.MechanismCgroupV2}
	timedOut = &sysprimstest.Result{ExitCode: -1, Signal: syscall.SIGTERM, TimedOut: true, Reliability: process.Guaranteed, Mechanism: process.MechanismSubreaper}
	survived = &sysprimstest.Result{ExitCode: 0, Reliability: process.BestEffort, Mechanism: process.MechanismProcessGroup,
		Survivors: []process.Info{survivor(4242, "agentd")}}
	neverRan = &sysprimstest.Result{ExitCode: -1, Err: errors.New("sysprims: no such file")}
)

// matchCase is one matcher applied to one actual.
type matchCase struct {
	name    string
	m       types.GomegaMatcher
	actual  any
	want    bool
	message string // a fragment of the message of the failing direction
}

func runCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			ok, err := c.m.Match(c.actual)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ok).To(Equal(c.want))
			msg := c.m.FailureMessage(c.actual)
			if ok {
				msg = c.m.NegatedFailureMessage(c.actual)
			}
			g.Expect(msg).To(ContainSubstring(c.message))
			if mc, isMC := c.m.(interface{ MatchMayChangeInTheFuture(any) bool }); isMC {
				g.Expect(mc.MatchMayChangeInTheFuture(c.actual)).To(BeFalse(), "a Result is final")
			}
		})
	}
}

func TestOutcomeMatchersOnResults(t *testing.T) {
	runCases(t, []matchCase{
		{"timed out", matchers.HaveTimedOut(), timedOut, true, "not to have timed out"},
		{"timed out value", matchers.HaveTimedOut(), *timedOut, true, "not to have timed out"},
		{"not timed out", matchers.HaveTimedOut(), exited3, false, "it exited with code 3"},
		{"killed", matchers.HaveBeenKilledBy(syscall.SIGKILL), killed, true, "not to have been killed by SIGKILL"},
		{"killed by another", matchers.HaveBeenKilledBy(syscall.SIGTERM), killed, false, "it was killed by SIGKILL"},
		{"not killed", matchers.HaveBeenKilledBy(syscall.SIGKILL), exited0, false, "it exited with code 0"},
		{"never started", matchers.HaveBeenKilledBy(syscall.SIGKILL), neverRan, false, "it never started: sysprims: no such file"},
		{"exit 3", matchers.HaveExitCode(3), exited3, true, "not to have exited with code 3"},
		{"exit 0 not 3", matchers.HaveExitCode(3), exited0, false, "to have exited with code 3, but it exited with code 0"},
		{"signal has no exit code", matchers.HaveExitCode(-1), killed, false, "killed by SIGKILL"},
		{"tree killed", matchers.BeTreeKilled(), exited0, true, "not to have been torn down"},
		{"tree killed guaranteed", matchers.BeTreeKilled(process.Guaranteed), exited0, true, "not to have been torn down"},
		{"reliability mismatch", matchers.BeTreeKilled(process.Guaranteed), exited3, false, `reliability guaranteed, but it was "best_effort" (process_group)`},
		{"survivors", matchers.BeTreeKilled(), survived, false, "pid 4242 ppid 1 pgid 4242 sid 4242 [sleeping] agentd --forever (started by TestSomething)"},
		{"never started tree", matchers.BeTreeKilled(), neverRan, false, "never started"},
		{"descendants of result", matchers.HaveDescendants(BeEmpty()), exited0, true, "(none)"},
		{"survivor descendants", matchers.HaveDescendants(BeEmpty()), survived, false, "pid 4242 ppid 1"},
	})
}

// TestWrongTypes: every matcher refuses what it cannot judge with an
// error naming what it wants, and says the answer will not change.
func TestWrongTypes(t *testing.T) {
	var nilProcess *sysprimstest.Process
	var nilResult *sysprimstest.Result
	ms := map[string]types.GomegaMatcher{
		"HaveTimedOut":            matchers.HaveTimedOut(),
		"HaveBeenKilledBy":        matchers.HaveBeenKilledBy(syscall.SIGTERM),
		"HaveExitCode":            matchers.HaveExitCode(0),
		"HaveDescendants":         matchers.HaveDescendants(BeEmpty()),
		"BeTreeKilled":            matchers.BeTreeKilled(),
		"HaveNoOrphanDescendants": matchers.HaveNoOrphanDescendants(),
		"HaveLeakedProcesses":     matchers.HaveLeakedProcesses(),
		"IgnoringProcess":         matchers.IgnoringProcess(BeNil()),
		"an ignoring matcher":     matchers.IgnoringName("x"),
	}
	for name, m := range ms {
		for _, actual := range []any{"a string", nil, nilProcess, nilResult, 3.5} {
			ok, err := m.Match(actual)
			if ok || err == nil {
				t.Errorf("%s.Match(%#v) = %v, %v; want an error", name, actual, ok, err)
				continue
			}
			if !strings.HasPrefix(err.Error(), "sysprims: "+name+" expects") {
				t.Errorf("%s.Match(%#v) error = %q", name, actual, err)
			}
			if mc, isMC := m.(interface{ MatchMayChangeInTheFuture(any) bool }); isMC && mc.MatchMayChangeInTheFuture(actual) {
				t.Errorf("%s: MatchMayChangeInTheFuture(%#v) = true", name, actual)
			}
		}
	}
}

func TestConstructorMisusePanics(t *testing.T) {
	g := NewWithT(t)
	g.Expect(func() { matchers.BeTreeKilled("guarantee") }).To(PanicWith(ContainSubstring(`unknown reliability "guarantee"`)))
	g.Expect(func() { matchers.HaveDescendants(nil) }).To(PanicWith(ContainSubstring("needs a matcher")))
	g.Expect(func() { matchers.IgnoringProcess(nil) }).To(PanicWith(ContainSubstring("needs a matcher")))
	g.Expect(func() { matchers.HaveLeakedProcesses("sleep") }).To(PanicWith(ContainSubstring("takes baseline snapshots")))
}

// TestWithGomega drives the matchers through a Gomega with a fake fail
// handler, as a suite would.
func TestWithGomega(t *testing.T) {
	var failure string
	g := NewGomega(func(message string, _ ...int) { failure = message })
	g.Expect(survived).To(matchers.BeTreeKilled())
	if !strings.Contains(failure, "1 process(es) survived") || !strings.Contains(failure, "agentd --forever") {
		t.Errorf("failure = %q", failure)
	}
	failure = ""
	g.Expect(killed).To(matchers.HaveBeenKilledBy(syscall.SIGKILL))
	g.Expect(exited0).NotTo(matchers.HaveTimedOut())
	if failure != "" {
		t.Errorf("unexpected failure %q", failure)
	}
}

// BeTreeKilled takes the typed reliabilities; a value that is neither
// panics with what to pass instead.
func TestBeTreeKilledTyped(t *testing.T) {
	g := NewWithT(t)
	g.Expect(exited3).To(matchers.BeTreeKilled(process.Guaranteed, process.BestEffort))
	g.Expect(exited3).NotTo(matchers.BeTreeKilled(process.Guaranteed))
	g.Expect(func() { matchers.BeTreeKilled(process.Reliability("")) }).To(PanicWith(ContainSubstring("pass process.Guaranteed or process.BestEffort")))
}
