package timeout

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

func TestRunCompletesWithExitCode(t *testing.T) {
	f := &fakeContainer{}
	spec := useFake(t, f)
	o, err := Run(exec.Command("sh", "-c", "exit 3"), Config{Timeout: waittest.Scale(10 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != StatusCompleted || o.ExitCode != 3 || o.TermSignal != "" || o.SignalSent != "" || o.Escalated {
		t.Errorf("outcome = %+v, want completed with exit 3 and no signal", o)
	}
	if o.GroupingRequested != "group_by_default" || o.GroupingEffective != "cgroup_v2" || o.TreeKillReliability != platform.Guaranteed {
		t.Errorf("grouping = %q/%q %q", o.GroupingRequested, o.GroupingEffective, o.TreeKillReliability)
	}
	if !f.closed || len(f.sent()) != 0 {
		t.Errorf("closed=%v signals=%v, want closed and no signals", f.closed, f.sent())
	}
	if spec.Name == "" || spec.Mechanism != platform.MechanismAuto {
		t.Errorf("spec = %+v, want a name and auto", *spec)
	}
}

func TestWaitTimesOutAndSignalsTree(t *testing.T) {
	f := &fakeContainer{}
	useFake(t, f)
	begin := time.Now()
	o, err := Run(exec.Command("sleep", "30"), Config{Timeout: 50 * time.Millisecond, Mechanism: platform.MechanismCgroup})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > waittest.Scale(2*time.Second) {
		t.Errorf("Run took %v, want about the timeout", took)
	}
	want := Outcome{Status: StatusTimedOut, ExitCode: -1, TermSignal: "SIGTERM", SignalSent: "SIGTERM"}
	if o.Status != want.Status || o.ExitCode != -1 || o.TermSignal != want.TermSignal || o.SignalSent != want.SignalSent || o.Escalated {
		t.Errorf("outcome = %+v, want %+v", o, want)
	}
	if o.GroupingRequested != "cgroup_v2" || o.DurationMs < 50 {
		t.Errorf("grouping_requested %q duration %d", o.GroupingRequested, o.DurationMs)
	}
}

func TestTeardownEscalatesWhenTermIgnored(t *testing.T) {
	f := &fakeContainer{ignoreTerm: true}
	useFake(t, f)
	o, err := Run(exec.Command("sleep", "30"), Config{Timeout: 20 * time.Millisecond, Grace: 50 * time.Millisecond, Signal: syscall.SIGINT})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Escalated || o.TermSignal != "SIGKILL" || o.SignalSent != "SIGINT" || !f.killed {
		t.Errorf("outcome = %+v killed=%v, want escalation to SIGKILL after SIGINT", o, f.killed)
	}
	if len(o.Survivors) != 0 {
		t.Errorf("survivors = %v", o.Survivors)
	}
}

func TestWaitAndStopAreIdempotentAndConcurrent(t *testing.T) {
	useFake(t, &fakeContainer{})
	tr, err := Start(exec.Command("sleep", "30"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	outs := make([]Outcome, 4)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() {
			if i%2 == 0 {
				outs[i] = tr.Wait(0)
			} else {
				outs[i] = tr.Stop()
			}
		})
	}
	wg.Wait()
	for i := range outs {
		a, _ := outs[0].JSON()
		b, _ := outs[i].JSON()
		if string(a) != string(b) {
			t.Errorf("outcome %d = %s, want %s", i, b, a)
		}
	}
	if outs[0].SignalSent != "SIGTERM" || outs[0].Status != StatusCompleted {
		t.Errorf("stop outcome = %+v", outs[0])
	}
	if err := tr.Signal(syscall.SIGTERM); !errors.Is(err, ErrDone) {
		t.Errorf("Signal after Stop = %v, want ErrDone", err)
	}
	if m, err := tr.Members(); m != nil || err != nil {
		t.Errorf("Members after Stop = %v, %v", m, err)
	}
}

func TestTreeAccessors(t *testing.T) {
	f := &fakeContainer{rel: platform.BestEffort}
	useFake(t, f)
	cmd := exec.Command("sleep", "30")
	cmd.Env = []string{"A=1", TreeIDEnv + "=outer"}
	tr, err := Start(cmd, Config{Env: []string{TreeIDEnv + "=mine", "SYSPRIMS_TEST=x"}})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Stop()
	if tr.TreeID() != "mine" || tr.PID() != cmd.Process.Pid || tr.Mechanism() != platform.MechanismProcessGroup || tr.Reliability() != platform.BestEffort {
		t.Errorf("tree id %q pid %d mech %q rel %q", tr.TreeID(), tr.PID(), tr.Mechanism(), tr.Reliability())
	}
	if got := strings.Join(cmd.Env, " "); got != "A=1 "+TreeIDEnv+"=mine SYSPRIMS_TEST=x" {
		t.Errorf("env = %q", got)
	}
	if cmd.WaitDelay != DefaultWaitDelay {
		t.Errorf("WaitDelay = %v", cmd.WaitDelay)
	}
	if _, ok := tr.Exit(); ok {
		t.Error("Exit reported a status while the root runs")
	}
	if err := tr.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-tr.Done()
	if st, ok := tr.Exit(); !ok || st.Signal != syscall.SIGTERM {
		t.Errorf("Exit = %+v, %v", st, ok)
	}
}

func TestStartAddsTreeIDAndCopiesEnviron(t *testing.T) {
	useFake(t, &fakeContainer{})
	t.Setenv("SYSPRIMS_ENGINE_PROBE", "yes")
	cmd := exec.Command("true")
	cmd.WaitDelay = 5 * time.Second
	tr, err := Start(cmd, Config{})
	if err != nil {
		t.Fatal(err)
	}
	tr.Wait(0)
	if !owner.OwnTree(tr.TreeID()) || owner.LookupEnv(cmd.Env, owner.EnvTreeID) != tr.TreeID() ||
		owner.LookupEnv(cmd.Env, owner.EnvRunID) != owner.RunID() || owner.LookupEnv(cmd.Env, "SYSPRIMS_ENGINE_PROBE") != "yes" {
		t.Errorf("tree id %q env %v", tr.TreeID(), cmd.Env)
	}
	if cmd.WaitDelay != 5*time.Second {
		t.Errorf("WaitDelay overwritten: %v", cmd.WaitDelay)
	}
}

func TestSlowWaitCallsOnSlowOnce(t *testing.T) {
	useFake(t, &fakeContainer{})
	var calls int
	var seen []proc.ProcessInfo
	cfg := Config{SlowAfter: 10 * time.Millisecond, OnSlow: func(ps []proc.ProcessInfo) { calls++; seen = ps }}
	tr, err := Start(exec.Command("sleep", "30"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := tr.Wait(300 * time.Millisecond)
	if calls != 1 || len(seen) != 1 || seen[0].PID != tr.PID() {
		t.Errorf("OnSlow called %d times with %v, want once with the root", calls, seen)
	}
	if o.Status != StatusTimedOut {
		t.Errorf("status = %q", o.Status)
	}
}

func TestTeardownErrorsAreReported(t *testing.T) {
	useFake(t, &fakeContainer{closeErr: errFake})
	o, err := Run(exec.Command("true"), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Error != errFake.Error() {
		t.Errorf("error = %q, want %q", o.Error, errFake)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	started := exec.Command("true")
	started.Process = &os.Process{Pid: 1}
	rel := &exec.Cmd{Path: "plain", Args: []string{"plain"}, Dir: dir}
	cases := []struct {
		name string
		cmd  *exec.Cmd
		cfg  Config
		is   error
		msg  string
	}{
		{"negative timeout", exec.Command("true"), Config{Timeout: -time.Second}, ErrInvalidConfig, "sysprims: invalid config: negative timeout -1s"},
		{"negative grace", exec.Command("true"), Config{Grace: -1}, ErrInvalidConfig, "negative grace"},
		{"missing binary", exec.Command("sysprims-no-such-binary"), Config{}, ErrNotFound, `sysprims: start "sysprims-no-such-binary": executable file not found in $PATH`},
		{"missing path", exec.Command(filepath.Join(dir, "nope")), Config{}, ErrNotFound, "no such file or directory"},
		{"not executable", exec.Command(plain), Config{}, ErrNotExecutable, "permission denied"},
		{"relative to Dir", rel, Config{}, ErrNotExecutable, `start "plain": permission denied`},
		{"directory", exec.Command(dir), Config{}, ErrNotExecutable, "is a directory"},
		{"already started", started, Config{}, nil, "command already started"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeContainer{}
			useFake(t, f)
			tr, err := Start(c.cmd, c.cfg)
			if err == nil {
				tr.Stop()
				t.Fatal("Start succeeded")
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			if !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "sysprims: ") {
				t.Errorf("error %q, want it to contain %q", err, c.msg)
			}
			if f.cmd != nil {
				t.Error("a container was used")
			}
		})
	}
}

func TestRunReportsContainerFailures(t *testing.T) {
	failNew(t, platform.ErrUnavailable)
	if _, err := Run(exec.Command("true"), Config{Require: true}); !errors.Is(err, platform.ErrUnavailable) {
		t.Errorf("Run = %v, want ErrUnavailable", err)
	}
	f := &fakeContainer{startErr: &os.PathError{Op: "fork/exec", Path: "x", Err: syscall.ENOEXEC}}
	useFake(t, f)
	_, err := Start(exec.Command("true"), Config{})
	var se *StartError
	if !errors.As(err, &se) || !errors.Is(err, syscall.ENOEXEC) || !f.closed {
		t.Errorf("Start = %v (closed %v), want a StartError wrapping ENOEXEC", err, f.closed)
	}
	f.startErr = syscall.EACCES
	if _, err := Start(exec.Command("true"), Config{}); !errors.Is(err, ErrNotExecutable) {
		t.Errorf("Start = %v, want ErrNotExecutable", err)
	}
}

func TestOutcomeJSONUsesEmptyArrays(t *testing.T) {
	b, err := Outcome{Status: StatusCompleted}.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["schema_id"] != ResultSchemaID || m["survivors"] == nil || m["leftovers"] == nil {
		t.Errorf("JSON = %s", b)
	}
}

// A leftover holding the output delays sysprimstest's Exited by the
// WaitDelay: the default leaves room within Gomega's default Eventually
// timeout (1 s), so Eventually(p).Should(gexec.Exit()) passes under every
// mechanism. At 1 s it failed under cgroup_v2 and process_group, whose
// root's wait copies the output (the subreaper's does not).
func TestDefaultWaitDelayWithinEventually(t *testing.T) {
	const gomegaEventually = time.Second
	if DefaultWaitDelay > gomegaEventually/2 {
		t.Errorf("DefaultWaitDelay %v leaves Exited too little room within Gomega's default Eventually timeout %v", DefaultWaitDelay, gomegaEventually)
	}
}
