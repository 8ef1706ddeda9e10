package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// The tests in this file call run in process (the end-to-end tests run
// the built binary), so coverage sees the code behind each subcommand.

func TestInProcessRun(t *testing.T) {
	env, id := marker(t)
	code, out, errs := runArgs(t, "run", "--format", "json", "--", "env", env, "sh", "-c", leakScript(1))
	if code != exitLeaked {
		t.Fatalf("exit %d; stderr:\n%s", code, errs)
	}
	if out != "started\n" {
		t.Errorf("stdout %q", out)
	}
	validateReport(t, []byte(errs))
	var rep report
	if err := json.Unmarshal([]byte(errs), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Leaked) != 1 || rep.Leaked[0].Markers[markerKey] != id || rep.Leaked[0].Escape[0] != owner.EscSetsid {
		t.Errorf("report %s", errs)
	}
	if left := marked(id); len(left) > 0 {
		t.Errorf("survivors: %v", left)
	}
}

func TestInProcessRunStatus(t *testing.T) {
	dir := t.TempDir()
	plain := writeFile(t, dir, "plain.sh", "#!/bin/sh\n")
	for _, tc := range []struct {
		argv []string
		want int
	}{
		{[]string{"sh", "-c", "exit 7"}, 7},
		{[]string{"sh", "-c", "kill -KILL $$"}, 137},
		{[]string{"sysprims-no-such-command"}, exitNotFound},
		{[]string{plain}, exitNotExecutable},
	} {
		code, _, errs := runArgs(t, append([]string{"run", "--timeout", waittest.Scale(10 * time.Second).String(), "--"}, tc.argv...)...)
		if code != tc.want {
			t.Errorf("%v: exit %d, want %d; stderr %q", tc.argv, code, tc.want, errs)
		}
	}
	code, _, errs := runArgs(t, "run", "--output", filepath.Join(dir, "no", "such", "dir"), "--", "true")
	if code != exitUsage || !strings.Contains(errs, "output:") {
		t.Errorf("bad --output: exit %d, %q", code, errs)
	}
}

func TestInProcessSnapshot(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	code, out, errs := runArgs(t, "snapshot", "--filter", "pid_in="+self, "--filter", "user_equals=root")
	if os.Getuid() != 0 {
		code, out, errs = runArgs(t, "snapshot", "--filter", "pid_in="+self)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], self+" ") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr %q", code, out, errs)
	}
	code, out, _ = runArgs(t, "snapshot", "--json")
	if _, err := parseBaseline([]byte(out)); code != 0 || err != nil {
		t.Errorf("snapshot --json: exit %d, %v", code, err)
	}
}

func TestInProcessCheck(t *testing.T) {
	env, id := marker(t)
	old := startMarked(t, env)
	_, snap, _ := runArgs(t, "snapshot", "--json")
	base := writeFile(t, t.TempDir(), "base.json", snap)
	young := startDetached(t, env)
	code, out, errs := runArgs(t, "check", "--baseline", base, "--marker", env, "--kill", "--grace", "2s", "--signal", "KILL", "--format", "github")
	if code != exitLeaked || !strings.Contains(out, "::error title=sysprims-leakcheck%3A new process since baseline::pid "+strconv.Itoa(young)) {
		t.Fatalf("exit %d; stdout:\n%s\nstderr %q", code, out, errs)
	}
	if got := marked(id); len(got) != 1 || got[0] != old.Process.Pid {
		t.Errorf("marked processes %v, want the baseline one %d", got, old.Process.Pid)
	}
	code, out, _ = runArgs(t, "check", "--baseline", base, "--marker", env)
	if code != 0 || !strings.Contains(out, "clean") {
		t.Errorf("second check: exit %d, %s", code, out)
	}
}

// TestCallerScopeGuardsTheCaller widens the scope to every process of
// every user, and finds the guard keeping out the caller, its ancestors,
// pid 1 and kernel threads.
func TestCallerScopeGuardsTheCaller(t *testing.T) {
	now, err := proc.Snapshot(proc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := baselineDoc{Taken: time.Unix(0, 0), Processes: []proc.ProcessInfo{{PID: 1 << 30}}}
	sc := callerScope(checkOpts{attached: true, anyUser: true}, base, io.Discard)
	in, guarded := sc.selectIn(now)
	for _, p := range in {
		if p.PID == os.Getpid() || p.PID == os.Getppid() || p.PID == 1 || p.KernelThread {
			t.Errorf("pid %d in scope", p.PID)
		}
	}
	if guarded == 0 {
		t.Error("the guard refused nothing, not even the caller's parent")
	}
}

// TestFindReaper makes an orphan and finds it reparented to the pid the
// probe named.
func TestFindReaper(t *testing.T) {
	reaper, probe, err := findReaper()
	if err != nil {
		t.Fatal(err)
	}
	if probe.PID <= 0 {
		t.Errorf("probe identity %+v", probe)
	}
	env, _ := marker(t)
	orphan, err := proc.Get(startDetached(t, env), proc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if orphan.PPID != reaper {
		t.Errorf("an orphan went to pid %d, the probe said %d", orphan.PPID, reaper)
	}
}

func TestSnapshotColumnsHelpers(t *testing.T) {
	if got := shortStart(time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC).UnixMilli()); got != "2001-02-03" {
		t.Errorf("old start %q", got)
	}
	if shortStart(0) != "-" || userOf(proc.ProcessInfo{UID: 42}) != "42" {
		t.Error("shortStart or userOf")
	}
	if got := commandOf(proc.ProcessInfo{Cmdline: []string{"a\tb", "c\nd"}}); got != "a b c d" {
		t.Errorf("commandOf %q", got)
	}
	if got := commandOf(proc.ProcessInfo{Name: "kworker"}); got != "[kworker]" {
		t.Errorf("commandOf %q", got)
	}
}
