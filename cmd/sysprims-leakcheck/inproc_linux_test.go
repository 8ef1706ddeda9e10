//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
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
	if len(rep.Leaked) != 1 || rep.Leaked[0].Markers[markerKey] != id || rep.Leaked[0].Escape[0] != escSetsid {
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
		code, _, errs := runArgs(t, append([]string{"run", "--timeout", "10s", "--"}, tc.argv...)...)
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
	young := startMarked(t, env)
	code, out, errs := runArgs(t, "check", "--baseline", base, "--marker", env, "--kill", "--grace", "2s", "--signal", "KILL", "--format", "github")
	if code != exitLeaked || !strings.Contains(out, "::error title=sysprims-leakcheck%3A new process since baseline::pid "+strconv.Itoa(young.Process.Pid)) {
		t.Fatalf("exit %d; stdout:\n%s\nstderr %q", code, out, errs)
	}
	_ = young.Wait()
	if st := young.ProcessState.Sys().(syscall.WaitStatus); st.Signal() != syscall.SIGKILL {
		t.Errorf("new process ended %v, want SIGKILL", young.ProcessState)
	}
	if got := marked(id); len(got) != 1 || got[0] != old.Process.Pid {
		t.Errorf("marked processes %v, want the baseline one %d", got, old.Process.Pid)
	}
	code, out, _ = runArgs(t, "check", "--baseline", base, "--marker", env)
	if code != 0 || !strings.Contains(out, "clean") {
		t.Errorf("second check: exit %d, %s", code, out)
	}
}

func TestCallerScopeProtectsTheCaller(t *testing.T) {
	now, err := proc.Snapshot(proc.Options{Fields: checkFields})
	if err != nil {
		t.Fatal(err)
	}
	// A baseline from long ago in which nothing of now appears: only the
	// scope keeps the caller and its ancestors out.
	base := baselineDoc{Taken: time.Unix(0, 0), Processes: []proc.ProcessInfo{{PID: 1 << 30}}}
	sc := callerScope(checkOpts{}, base, now)
	for _, p := range newSince(base, now, sc) {
		if p.PID == os.Getpid() || p.PID == os.Getppid() || p.PID == 1 || isKernelThread(p) {
			t.Errorf("pid %d reported", p.PID)
		}
	}
	if !sc.protected[os.Getpid()] || !sc.protected[os.Getppid()] || !sc.protected[1] {
		t.Errorf("protected %v", sc.protected)
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
