package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The subreaper scenario: the test binary, re-executed, makes itself a
// child subreaper (as a test binary under VerifyTestMain is), starts a
// plain attached child and a daemon that escapes by a double fork, and
// runs check --kill below itself. It kills and reaps what is left, then
// prints a subreaperResult.
const (
	subreaperScenarioEnv = "LEAKCHECK_SUBREAPER_SCENARIO" // the marker KEY=VALUE to give the processes
	subreaperBinEnv      = "LEAKCHECK_SUBREAPER_BIN"      // the sysprims-leakcheck to run
	subreaperDirEnv      = "LEAKCHECK_SUBREAPER_DIR"      // a directory for the baseline
)

// subreaperResult is what the scenario reports to the test.
type subreaperResult struct {
	Reaper        int    `json:"reaper"`
	Attached      int    `json:"attached"` // the subreaper's own live child
	Escaped       int    `json:"escaped"`  // reparented to the subreaper by a double fork
	AttachedAlive bool   `json:"attached_alive"`
	EscapedAlive  bool   `json:"escaped_alive"`
	CheckExit     int    `json:"check_exit"`
	Report        report `json:"report"`
	Error         string `json:"error,omitempty"`
}

// subreaperMain plays the scenario and prints its result.
func subreaperMain(env string) int {
	res, err := playSubreaper(env)
	if err != nil {
		res.Error = err.Error()
	}
	return printJSON(res)
}

func playSubreaper(env string) (res subreaperResult, err error) {
	res.Reaper = os.Getpid()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return res, fmt.Errorf("PR_SET_CHILD_SUBREAPER: %w", err)
	}
	bin := os.Getenv(subreaperBinEnv)
	out, err := exec.Command(bin, "snapshot", "--json").Output()
	if err != nil {
		return res, fmt.Errorf("snapshot: %w", err)
	}
	base := filepath.Join(os.Getenv(subreaperDirEnv), "baseline.json")
	if err := os.WriteFile(base, out, 0o600); err != nil {
		return res, err
	}
	child := exec.Command("sleep", "300")
	child.Env = append(os.Environ(), env)
	if err := child.Start(); err != nil {
		return res, err
	}
	res.Attached = child.Process.Pid
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	daemon := exec.Command("sh", "-c", `(setsid sh -c 'sleep 301 </dev/null >/dev/null 2>&1 & echo $!')`)
	daemon.Env = append(os.Environ(), env)
	if out, err = daemon.Output(); err != nil {
		return res, fmt.Errorf("daemon: %w", err)
	}
	if res.Escaped, err = strconv.Atoi(strings.TrimSpace(string(out))); err != nil {
		return res, fmt.Errorf("daemon said %q", out)
	}
	defer reapChild(res.Escaped)
	check := exec.Command(bin, "check", "--baseline", base, "--kill", "--grace", "2s", "--marker", env, "--format", "json")
	check.Env = append(os.Environ(), env)
	var stdout, stderr bytes.Buffer
	check.Stdout, check.Stderr = &stdout, &stderr
	err = check.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return res, fmt.Errorf("check: %w", err)
	}
	res.CheckExit = check.ProcessState.ExitCode()
	if err := json.Unmarshal(stdout.Bytes(), &res.Report); err != nil {
		return res, fmt.Errorf("check said %q %q: %w", stdout.String(), stderr.String(), err)
	}
	res.AttachedAlive, res.EscapedAlive = alive(res.Attached), alive(res.Escaped)
	return res, nil
}

// reapChild kills and reaps pid, a child of this process (adopted).
func reapChild(pid int) {
	_ = syscall.Kill(pid, syscall.SIGKILL)
	var ws syscall.WaitStatus
	_, _ = syscall.Wait4(pid, &ws, 0, nil)
}

// TestCheckKillBelowSubreaperSparesAttachedChildE2E: check --kill run
// below a child subreaper that is not init took the subreaper's every
// new direct child for a detached orphan and killed it: a test binary's
// (or a sibling test's) live child. Now such a child is reported, not
// removed; a daemon that provably escaped (a double fork left it in a
// dead session) is still removed.
func TestCheckKillBelowSubreaperSparesAttachedChildE2E(t *testing.T) {
	env, _ := marker(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), subreaperScenarioEnv+"="+env, subreaperBinEnv+"="+binary(t), subreaperDirEnv+"="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scenario: %v\n%s%s", err, out, stderr.String())
	}
	var res subreaperResult
	if err := json.Unmarshal(out, &res); err != nil || res.Error != "" {
		t.Fatalf("scenario said %s (%v)\n%s", out, err, stderr.String())
	}
	if !res.AttachedAlive {
		t.Errorf("check --kill below the subreaper %d killed its attached child %d", res.Reaper, res.Attached)
	}
	if res.EscapedAlive {
		t.Errorf("the escaped daemon %d outlived check --kill", res.Escaped)
	}
	if res.CheckExit != exitLeaked {
		t.Errorf("check exit %d, want %d", res.CheckExit, exitLeaked)
	}
	got := map[int]leak{}
	for _, l := range res.Report.Leaked {
		got[l.PID] = l
	}
	if l, ok := got[res.Attached]; !ok || l.Killed || !strings.Contains(l.Reason, "not provably detached: reported, not removed") {
		t.Errorf("attached child %d in the report: %+v (found %v), want reported, not removed", res.Attached, l, ok)
	}
	if l, ok := got[res.Escaped]; !ok || !l.Killed {
		t.Errorf("escaped daemon %d in the report: %+v (found %v), want removed", res.Escaped, l, ok)
	}
	if len(got) != 2 {
		t.Errorf("report lists %d processes, want 2: %+v", len(got), res.Report.Leaked)
	}
}
