package main

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/timeout"
)

func TestEscapeCodes(t *testing.T) {
	root := rootInfo{pid: 100, pgid: 100, sid: 50}
	left := []proc.ProcessInfo{
		{PID: 101, PPID: 1, PGID: 101, SID: 101, State: proc.StateSleeping},   // setsid + daemonized
		{PID: 102, PPID: 100, PGID: 102, SID: 50, State: proc.StateSleeping},  // setpgid, parent was the command
		{PID: 103, PPID: 101, PGID: 101, SID: 101, State: proc.StateStopped},  // child of a leak, stopped
		{PID: 104, PPID: 900, PGID: 100, SID: 50, State: proc.StateRunning},   // same group, reparented to a subreaper
		{PID: 105, PPID: 100, PGID: 100, SID: 50, State: proc.StateDiskSleep}, // plain background child
	}
	want := [][]owner.Escape{
		{owner.EscSetsid, owner.EscReparented},
		{owner.EscPgid, owner.EscOrphaned},
		{owner.EscSetsid, owner.EscChildOfLeak, owner.EscStopped},
		{owner.EscReparented},
		{owner.EscOrphaned},
	}
	got := classify(left, root)
	for i, l := range got {
		if !slices.Equal(l.Escape, want[i]) {
			t.Errorf("pid %d: escape %v, want %v", l.PID, l.Escape, want[i])
		}
	}
	if r := got[0].Reason; r != "escaped via setsid, reparented to pid 1 (daemonized)" {
		t.Errorf("reason %q", r)
	}
	if r := got[2].Reason; r != "escaped via setsid, child of escaped pid 101, stopped" {
		t.Errorf("reason %q", r)
	}
}

func sampleReport() *report {
	rep := newReport("run")
	rep.Command = []string{"sh", "-c", "setsid sleep 300 &"}
	rep.Mechanism, rep.TreeKillReliability = "cgroup_v2", "guaranteed"
	code := 0
	rep.CommandExitCode = &code
	start := time.Date(2025, 1, 2, 3, 4, 5, 678e6, time.UTC).UnixMilli()
	p := proc.ProcessInfo{PID: 4242, PPID: 1, PGID: 4242, SID: 4242, Name: "sleep", State: proc.StateSleeping,
		StartTimeUnixMs: start, Cmdline: []string{"sleep", "300"}, Markers: map[string]string{"SYSPRIMS_TEST": "TestX"}}
	rep.Leaked = classify([]proc.ProcessInfo{p}, rootInfo{pid: 4000, pgid: 4000, sid: 10})
	rep.Leaked[0].Killed = true
	rep.Status, rep.ExitCode = statusLeaked, exitLeaked
	return rep
}

func TestReportText(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().write(&b, formatText); err != nil {
		t.Fatal(err)
	}
	want := "sysprims-leakcheck: 1 process outlived the command (removed); the command exited 0 [cgroup_v2, guaranteed]\n" +
		"  pid 4242 ppid 1 pgid 4242 sid 4242 [sleeping] sleep 300 (escaped via setsid, reparented to pid 1 (daemonized); started 2025-01-02T03:04:05.678Z; test TestX)\n"
	if b.String() != want {
		t.Errorf("text report\n%s\nwant\n%s", b.String(), want)
	}
}

func TestReportGitHub(t *testing.T) {
	rep := sampleReport()
	rep.Survivors = []leak{{ProcessInfo: proc.ProcessInfo{PID: 7, Name: "x"}, Reason: "survived SIGKILL"}}
	rep.Error = "50% done\nthen failed"
	var b bytes.Buffer
	if err := rep.write(&b, formatGitHub); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("github output:\n%s", b.String())
	}
	if !strings.HasPrefix(lines[0], "::error title=sysprims-leakcheck%3A leaked process::pid 4242 ") || !strings.Contains(lines[0], "escaped via setsid") {
		t.Errorf("annotation %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "::error title=sysprims-leakcheck%3A process survived removal::pid 7 ") {
		t.Errorf("survivor annotation %q", lines[1])
	}
	if lines[2] != "::error title=sysprims-leakcheck%3A error::50%25 done%0Athen failed" {
		t.Errorf("error annotation %q", lines[2])
	}
	if !strings.HasPrefix(lines[3], "sysprims-leakcheck: 1 process outlived") {
		t.Errorf("summary %q", lines[3])
	}
	if ghProperty("a,b:c%\r\n") != "a%2Cb%3Ac%25%0D%0A" {
		t.Error("ghProperty escaping")
	}
}

func TestReportJSON(t *testing.T) {
	var b bytes.Buffer
	if err := sampleReport().write(&b, formatJSON); err != nil {
		t.Fatal(err)
	}
	validateReport(t, b.Bytes())
	var back report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Leaked[0].PID != 4242 || !back.Leaked[0].Killed || back.Leaked[0].Escape[0] != owner.EscSetsid {
		t.Errorf("round trip %+v", back.Leaked[0])
	}
	empty := newReport("check")
	empty.Baseline, empty.BaselineTimestamp = "b.json", time.Now().UTC().Format(time.RFC3339Nano)
	b.Reset()
	if err := empty.write(&b, formatJSON); err != nil {
		t.Fatal(err)
	}
	validateReport(t, b.Bytes())
	if !strings.Contains(b.String(), `"leaked": []`) {
		t.Errorf("empty lists must be [] not null:\n%s", b.String())
	}
}

func TestSummaries(t *testing.T) {
	cases := []struct {
		rep  report
		want string
	}{
		{report{Mode: "run", Status: statusTimedOut}, "timed out; the tree was torn down"},
		{report{Mode: "run"}, "clean: no process outlived the command"},
		{report{Mode: "check"}, "clean: no new process since the baseline"},
		{report{Mode: "check", Leaked: []leak{{}, {}}}, "2 processes new since the baseline"},
		{report{Mode: "check", Leaked: []leak{{Killed: true}}}, "1 process new since the baseline (removed)"},
		{report{Mode: "run", CommandExitCode: ptr(0)}, "clean: no process outlived the command; the command exited 0"},
		{report{Mode: "run", CommandExitCode: ptr(1)}, "clean: no process outlived the command; the command failed (exit status 1)"},
		{report{Mode: "run", CommandExitCode: ptr(-1), CommandSignal: "SIGTERM"}, "clean: no process outlived the command; the command was killed by SIGTERM"},
		{report{Mode: "run", CommandExitCode: ptr(-1)}, "clean: no process outlived the command; the command's exit status is unknown"},
		{report{Mode: "run", CommandExitCode: ptr(0), Survivors: []leak{{}}, Mechanism: "cgroup_v2", TreeKillReliability: "best_effort"},
			"1 process outlived the command (not removed); the command exited 0 [cgroup_v2, best_effort]"}, // a migrant read "clean:"
		{report{Mode: "run", CommandExitCode: ptr(2), Leaked: []leak{{Killed: true}}, Mechanism: "subreaper", TreeKillReliability: "guaranteed"},
			"1 process outlived the command (removed); the command failed (exit status 2) [subreaper, guaranteed]"},
	}
	for _, tc := range cases {
		if got := tc.rep.summary(); got != tc.want {
			t.Errorf("summary %q, want %q", got, tc.want)
		}
	}
	if formatStart(0) != "unknown" {
		t.Error("formatStart(0)")
	}
}

func ptr(n int) *int { return &n }

func TestVerdict(t *testing.T) {
	p := proc.ProcessInfo{PID: 5}
	cases := []struct {
		name   string
		out    timeout.Outcome
		status string
		code   int
	}{
		{"exit 0", timeout.Outcome{ExitCode: 0}, statusClean, 0},
		{"exit 7", timeout.Outcome{ExitCode: 7}, statusClean, 7},
		{"signalled", timeout.Outcome{ExitCode: -1, TermSignal: "SIGKILL"}, statusClean, 137},
		{"odd signal", timeout.Outcome{ExitCode: -1, TermSignal: "SIGWHAT"}, statusClean, exitUsage},
		{"unknown exit", timeout.Outcome{ExitCode: -1}, statusClean, exitUsage},
		{"leaked", timeout.Outcome{ExitCode: 0, Leftovers: []proc.ProcessInfo{p}}, statusLeaked, exitLeaked},
		{"survived", timeout.Outcome{ExitCode: 0, Leftovers: []proc.ProcessInfo{p}, Survivors: []proc.ProcessInfo{p}}, statusFailed, exitLeaked},
		{"timed out", timeout.Outcome{Status: timeout.StatusTimedOut, ExitCode: -1, TermSignal: "SIGKILL", Leftovers: []proc.ProcessInfo{p}}, statusTimedOut, exitTimedOut},
	}
	for _, tc := range cases {
		status, code := verdict(tc.out, len(tc.out.Survivors), len(tc.out.Leftovers))
		if status != tc.status || code != tc.code {
			t.Errorf("%s: %s %d, want %s %d", tc.name, status, code, tc.status, tc.code)
		}
	}
}

func TestRunReportMarksKilled(t *testing.T) {
	a := proc.ProcessInfo{PID: 5, StartTimeUnixMs: 1, SID: 5, PGID: 5, PPID: 1}
	b := proc.ProcessInfo{PID: 6, StartTimeUnixMs: 1, SID: 5, PGID: 5, PPID: 5}
	out := timeout.Outcome{Mechanism: "cgroup_v2", TreeKillReliability: "guaranteed", Leftovers: []proc.ProcessInfo{a, b}, Survivors: []proc.ProcessInfo{b}}
	rep := runReport(runOpts{argv: []string{"x"}}, out, rootInfo{pid: 4, pgid: 4, sid: 4}, nil, nil)
	if !rep.Leaked[0].Killed || rep.Leaked[1].Killed || len(rep.Survivors) != 1 || rep.Status != statusFailed || rep.ExitCode != exitLeaked {
		t.Errorf("report %+v", rep)
	}
}

// A process that left the cgroup is a leak of the run even when the
// container came back empty: a migrant the engine killed, and a stray
// found below run and removed (the engine's survivor it no longer is);
// the report says best_effort. One still alive is a survivor.
func TestRunReportOutsideTheContainer(t *testing.T) {
	migrant := proc.ProcessInfo{PID: 7, StartTimeUnixMs: 1, SID: 7, PGID: 7, PPID: 1}
	stray := proc.ProcessInfo{PID: 8, StartTimeUnixMs: 1, SID: 8, PGID: 8, PPID: 1}
	stuck := proc.ProcessInfo{PID: 9, StartTimeUnixMs: 1, SID: 9, PGID: 9, PPID: 1}
	out := timeout.Outcome{Mechanism: "cgroup_v2", TreeKillReliability: "best_effort", Migrants: []proc.ProcessInfo{migrant, stray}, Survivors: []proc.ProcessInfo{stray}}
	rep := runReport(runOpts{argv: []string{"x"}}, out, rootInfo{pid: 4, pgid: 4, sid: 4}, []proc.ProcessInfo{stray}, nil)
	if len(rep.Leaked) != 2 || !rep.Leaked[0].Killed || !rep.Leaked[1].Killed || len(rep.Survivors) != 0 {
		t.Fatalf("leaked %+v, survivors %+v: want migrant and stray removed", rep.Leaked, rep.Survivors)
	}
	for _, l := range rep.Leaked {
		if !slices.Contains(l.Escape, owner.EscMigrated) {
			t.Errorf("pid %d: escape %v, want migrated", l.PID, l.Escape)
		}
	}
	if rep.Status != statusLeaked || rep.ExitCode != exitLeaked || rep.TreeKillReliability != "best_effort" {
		t.Errorf("status %s exit %d reliability %s: want leaked, 3, best_effort", rep.Status, rep.ExitCode, rep.TreeKillReliability)
	}

	out = timeout.Outcome{Mechanism: "cgroup_v2", TreeKillReliability: "guaranteed"}
	rep = runReport(runOpts{argv: []string{"x"}}, out, rootInfo{pid: 4, pgid: 4, sid: 4}, []proc.ProcessInfo{stuck}, []proc.ProcessInfo{stuck})
	if len(rep.Survivors) != 1 || rep.Leaked[0].Killed || rep.Status != statusFailed || rep.TreeKillReliability != "best_effort" {
		t.Errorf("report %+v: want the stray a survivor, failed, best_effort", rep)
	}
}

// A run whose container was lost (a member killed the subreaper shim)
// says so in every format, and best_effort; the escapee the engine could
// only report, found below run and removed, is a leak, not a survivor.
func TestRunReportContainerLost(t *testing.T) {
	esc := proc.ProcessInfo{PID: 7, StartTimeUnixMs: 1, SID: 7, PGID: 7, PPID: 1, Name: "sleep", State: proc.StateSleeping, Cmdline: []string{"sleep", "300"}}
	why := "the subreaper shim 5 died before the tree of root 6 was empty"
	out := timeout.Outcome{Mechanism: "subreaper", TreeKillReliability: "best_effort", ExitCode: -1, ContainerLost: why,
		Leftovers: []proc.ProcessInfo{esc}, Survivors: []proc.ProcessInfo{esc}}
	rep := runReport(runOpts{argv: []string{"x"}}, out, rootInfo{pid: 6, pgid: 6, sid: 6}, []proc.ProcessInfo{esc}, nil)
	if rep.ContainerLost != why || rep.TreeKillReliability != "best_effort" || len(rep.Survivors) != 0 || len(rep.Leaked) != 1 || !rep.Leaked[0].Killed {
		t.Fatalf("report %+v: want the loss told, best_effort, the escapee removed", rep)
	}
	for f, want := range map[format]string{
		formatText:   "sysprims-leakcheck: container lost: " + why,
		formatGitHub: "::error title=sysprims-leakcheck%3A container lost::" + why,
		formatJSON:   `"container_lost": "` + why + `"`,
	} {
		var b strings.Builder
		if err := rep.write(&b, f); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%v lacks %q:\n%s", f, want, b.String())
		}
		if f == formatJSON {
			validateReport(t, []byte(b.String()))
		}
	}
}

// fakeTree records what signal forwarding asked of it.
type fakeTree struct {
	signals chan syscall.Signal
	stops   chan struct{}
}

func (f *fakeTree) Signal(sig syscall.Signal) error { f.signals <- sig; return nil }
func (f *fakeTree) Stop() timeout.Outcome           { f.stops <- struct{}{}; return timeout.Outcome{} }

func TestForward(t *testing.T) {
	f := &fakeTree{signals: make(chan syscall.Signal, 1), stops: make(chan struct{}, 1)}
	sigs := make(chan os.Signal, 2)
	stop := forward(f, sigs)
	sigs <- syscall.SIGINT
	if got := <-f.signals; got != syscall.SIGINT {
		t.Errorf("forwarded %v", got)
	}
	sigs <- syscall.SIGTERM
	<-f.stops // the second signal tears the tree down
	stop()
	select {
	case s := <-f.signals:
		t.Errorf("unexpected signal %v", s)
	default:
	}
}

func TestChildEnv(t *testing.T) {
	in := []string{"HOME=/root", owner.EnvRunID + "=r", owner.EnvTreeID + "=r-1", owner.EnvTest + "=T",
		owner.EnvShim + "=3 4", owner.EnvGuardian + "=/sys/fs/cgroup/x", "SYSPRIMS_WINE=1", "PATH=/bin"}
	if got, want := childEnv(in), []string{"HOME=/root", "SYSPRIMS_WINE=1", "PATH=/bin"}; !slices.Equal(got, want) {
		t.Errorf("childEnv = %q, want %q", got, want)
	}
}

// TestRecordRemovalNotPermitted: a process check --kill may not signal
// (EPERM, another user's) is reported as not permitted and not removed,
// never as a survivor of SIGKILL, and does not fail the report; a real
// survivor still does. Before, a denied process was waited on for the
// grace and reported as "survived SIGKILL" (status failed).
func TestRecordRemovalNotPermitted(t *testing.T) {
	other := proc.ProcessInfo{PID: 41, StartTimeUnixMs: 1000, Name: "sleep"}
	gone := proc.ProcessInfo{PID: 42, StartTimeUnixMs: 2000, Name: "sleep"}
	rep := newReport("check")
	rep.Status = statusLeaked
	rep.Leaked = newLeaks([]pick{{ProcessInfo: other}, {ProcessInfo: gone}})
	recordRemoval(rep, timeout.TerminateReport{Signalled: 1, Denied: []proc.ProcessInfo{other}})
	if rep.Status != statusLeaked || len(rep.Survivors) != 0 {
		t.Errorf("status %s, survivors %v; want leaked and none", rep.Status, rep.Survivors)
	}
	if l := rep.Leaked[0]; l.Killed || !strings.Contains(l.Reason, "not permitted (EPERM)") {
		t.Errorf("denied leak: killed %v, reason %q", l.Killed, l.Reason)
	}
	if l := rep.Leaked[1]; !l.Killed || strings.Contains(l.Reason, "EPERM") {
		t.Errorf("removed leak: killed %v, reason %q", l.Killed, l.Reason)
	}
	if got := rep.summary(); got != "2 processes new since the baseline (1 of 2 removed)" {
		t.Errorf("summary %q", got)
	}
	var b bytes.Buffer
	if err := rep.writeText(&b); err != nil || strings.Contains(b.String(), "survived") {
		t.Errorf("text report %q (%v) calls a denied process a survivor", b.String(), err)
	}
	recordRemoval(rep, timeout.TerminateReport{Survivors: []proc.ProcessInfo{gone}})
	if rep.Status != statusFailed || len(rep.Survivors) != 1 || rep.Survivors[0].Reason != "survived SIGKILL" {
		t.Errorf("a real survivor: status %s, survivors %v", rep.Status, rep.Survivors)
	}
}
