package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/timeout"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"golang.org/x/sys/unix"
)

// Scenarios that need a machine of their own run in a new pid namespace:
// there every process is the scenario's, so check runs with its default
// scope, unnarrowed, as a CI job would, and touches nothing else on the
// machine. Pid 1 is a shell whose first child, pid 2, is this test binary
// in the scenario's part: a child subreaper, as a container's job agent
// (tini -s, a CI runner) is, so the job's orphans come to pid 2. (A Go
// program cannot be pid 1 and leave pid 2 to a process: its runtime's
// threads take the next pids.) As root the namespace also gets a cgroup
// of its own, so the engine's sweep of dead runs' cgroups, which judges
// by pid, sees only this namespace's run directories.
const (
	nsScenarioEnv = "LEAKCHECK_NS_SCENARIO" // which scenario nsMain plays
	nsBinEnv      = "LEAKCHECK_NS_BIN"      // the sysprims-leakcheck to run
	nsDirEnv      = "LEAKCHECK_NS_DIR"      // a directory for the baseline
)

// nsResult is what a scenario reports to the test, in namespace pids.
type nsResult struct {
	CheckExit int             `json:"check_exit"`
	Report    json.RawMessage `json:"report"`
	Removed   []int           `json:"removed"` // must be in the report, and gone
	Held      []int           `json:"held"`    // must be in the report, not removed, and alive
	Spared    []int           `json:"spared"`  // must not be in the report, and alive
	Alive     []int           `json:"alive"`   // of all, those alive after check
	Error     string          `json:"error,omitempty"`
}

// nsRun plays scenario in a new pid namespace (a user namespace too when
// not root) and returns its result. It skips when unshare is missing or
// the kernel refuses the namespaces.
func nsRun(t *testing.T, scenario string) nsResult {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--pid", "--fork", "--mount-proc", "--kill-child"}
	if os.Geteuid() != 0 {
		args = append([]string{"--map-root-user"}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waittest.Scale(60*time.Second))
	defer cancel()
	args = append(args, "sh", "-c", `"$0" -test.run='^$' & wait`, self)
	cmd := exec.CommandContext(ctx, unshare, args...)
	cmd.Env = append(os.Environ(), nsScenarioEnv+"="+scenario, nsBinEnv+"="+binary(t), nsDirEnv+"="+t.TempDir())
	if fd := ownCgroup(t); fd >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && !bytes.HasPrefix(out, []byte("{")) {
		if strings.Contains(stderr.String(), "unshare failed") {
			t.Skipf("no pid namespace here: %s", strings.TrimSpace(stderr.String()))
		}
		t.Fatalf("scenario %s: %v\n%s%s", scenario, err, out, stderr.String())
	}
	var res nsResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("scenario %s said %q (%v)\n%s", scenario, out, err, stderr.String())
	}
	if res.Error != "" {
		t.Fatalf("scenario %s: %s\n%s", scenario, res.Error, stderr.String())
	}
	return res
}

// ownCgroup makes, as root where cgroup v2 is writable, a cgroup for the
// namespace beside the engine's run directories and returns an open fd of
// it (removed at cleanup); -1 otherwise.
func ownCgroup(t *testing.T) int {
	caps := platform.Probe()
	if os.Geteuid() != 0 || !caps.CgroupWritable {
		return -1
	}
	dir := filepath.Join(caps.CgroupMount, caps.CgroupSelf, fmt.Sprintf("leakcheck-ns-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		f.Close()
		removeCgroupTree(t, dir)
	})
	return int(f.Fd())
}

// removeCgroupTree removes dir and the cgroups below it, deepest first.
func removeCgroupTree(t *testing.T, dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			removeCgroupTree(t, filepath.Join(dir, e.Name()))
		}
	}
	if err := os.Remove(dir); err != nil {
		t.Errorf("cgroup %s left behind: %v", dir, err)
	}
}

// checkNS asserts a scenario's result: check exited 3, reported exactly
// Removed and Held, removed Removed, and left Held and Spared alive.
func checkNS(t *testing.T, res nsResult) {
	t.Helper()
	if res.CheckExit != exitLeaked {
		t.Errorf("check exit %d, want %d", res.CheckExit, exitLeaked)
	}
	validateReport(t, res.Report)
	var rep report
	if err := json.Unmarshal(res.Report, &rep); err != nil {
		t.Fatalf("report %s: %v", res.Report, err)
	}
	var got []int
	for _, l := range rep.Leaked {
		got = append(got, l.PID)
		if held := slices.Contains(res.Held, l.PID); l.Killed == held {
			t.Errorf("pid %d: removed %v, want %v (%s)", l.PID, l.Killed, !held, l.Reason)
		}
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(append(slices.Clone(res.Removed), res.Held...))); !slices.Equal(got, want) {
		t.Errorf("check reported %v, want %v (spared: %v)\n%s", got, want, res.Spared, res.Report)
	}
	alive := slices.Sorted(slices.Values(res.Alive))
	if want := slices.Sorted(slices.Values(append(slices.Clone(res.Spared), res.Held...))); !slices.Equal(alive, want) {
		t.Errorf("alive after check: %v, want the held and spared %v", alive, want)
	}
}

// TestCheckPID2IsNotAKernelThreadE2E: in a container, pid 2 is no kernel
// thread's parent but the job's agent, here its reaper. A job shell it
// started after the baseline, that shell's child, and an orphan in the
// agent's own session are in scope, none of them a kernel thread; the
// agent is a subreaper but not init, so they are reported, not removed
// (its live children, as far as anything shows). A daemon that escaped
// by a double fork is removed.
func TestCheckPID2IsNotAKernelThreadE2E(t *testing.T) {
	checkNS(t, nsRun(t, "pid2"))
}

// TestCheckSparesOtherRunE2E: another run's helpers (cgroup guardian, or
// subreaper shim) and the members of its container, all started after
// the baseline, detached and the same user's, are never killed; an
// unmarked daemon beside them (escaped by a double fork) is.
func TestCheckSparesOtherRunE2E(t *testing.T) {
	res := nsRun(t, "other-run")
	if len(res.Spared) < 5 {
		t.Errorf("the other run shows %d processes, want its helper and 4 members: %v", len(res.Spared), res.Spared)
	}
	checkNS(t, res)
}

// nsMain plays a scenario as pid 2 of a pid namespace and prints its
// nsResult.
func nsMain(scenario string) int {
	res, err := playNS(scenario)
	if err != nil {
		res.Error = err.Error()
	}
	return printJSON(res)
}

// printJSON writes a scenario's result to stdout, for the test that
// started it, and returns the scenario's exit code, 0.
func printJSON(res any) int {
	b, _ := json.Marshal(res)
	os.Stdout.Write(b)
	return 0
}

func playNS(scenario string) (nsResult, error) {
	if os.Getpid() != 2 {
		return nsResult{}, fmt.Errorf("pid %d, want 2", os.Getpid())
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nsResult{}, fmt.Errorf("subreaper: %w", err)
	}
	base := filepath.Join(os.Getenv(nsDirEnv), "base.json")
	f, err := os.Create(base)
	if err != nil {
		return nsResult{}, err
	}
	code := run([]string{"snapshot", "--json"}, f, os.Stderr)
	f.Close()
	if code != 0 {
		return nsResult{}, fmt.Errorf("snapshot: exit %d", code)
	}
	switch scenario {
	case "pid2":
		return playPID2(base)
	case "other-run":
		return playOtherRun(base)
	}
	return nsResult{}, fmt.Errorf("unknown scenario %q", scenario)
}

// playPID2 leaves an orphan to pid 2 and starts a job shell with a child,
// and checks.
func playPID2(base string) (nsResult, error) {
	orphan, err := orphanOf("sleep 300 </dev/null >/dev/null 2>&1 & echo $!")
	if err != nil {
		return nsResult{}, err
	}
	job, child, err := startPrinting("sleep 301 </dev/null >/dev/null & echo $!; wait")
	if err != nil {
		return nsResult{}, err
	}
	defer job.Wait()
	defer job.Process.Kill()
	daemon, err := orphanOf(doubleFork("sleep 302"))
	if err != nil {
		return nsResult{}, err
	}
	return checkIn(base, nsResult{Removed: []int{daemon}, Held: []int{orphan, job.Process.Pid, child}})
}

// playOtherRun starts another run's tree through the engine (its helper
// and members are children of pid 2, the reaper, or below them) and an
// orphan that belongs to no run, and checks.
func playOtherRun(base string) (nsResult, error) {
	cmd := exec.Command("sh", "-c", "sleep 300 & setsid sleep 301 & (setsid sleep 302 </dev/null >/dev/null 2>&1 &); echo ready; exec sleep 303")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nsResult{}, err
	}
	tr, err := timeout.Start(cmd, timeout.Config{Grace: time.Second})
	if err != nil {
		return nsResult{}, err
	}
	defer tr.Stop()
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		return nsResult{}, fmt.Errorf("tree said %q, %v", line, err)
	}
	orphan, err := orphanOf(doubleFork("sleep 304"))
	if err != nil {
		return nsResult{}, err
	}
	// The forks are made before "ready"; a member may still be in its
	// execve, its environment (and so its marker) not laid out yet.
	var spared []int
	waittest.Until(5*time.Second, func() bool {
		spared, err = runProcesses(tr.TreeID())
		return err != nil || len(spared) >= 5
	})
	if err != nil {
		return nsResult{}, err
	}
	return checkIn(base, nsResult{Removed: []int{orphan}, Spared: spared})
}

// runProcesses lists the live processes of the run: its helpers and the
// members carrying its tree's marker.
func runProcesses(treeID string) ([]int, error) {
	snap, err := proc.Snapshot(proc.Options{Fields: proc.FieldMarkers})
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, p := range snap {
		if p.PID != os.Getpid() && !p.State.Gone() && (owner.IsHelper(p) || p.Markers[owner.EnvTreeID] == treeID) {
			pids = append(pids, p.PID)
		}
	}
	return pids, nil
}

// orphanOf runs a script that starts a process in the background, prints
// its pid and exits, leaving it to the reaper; it returns the pid.
func orphanOf(script string) (int, error) {
	out, err := exec.Command("sh", "-c", script).Output()
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(out)))
}

// doubleFork is a script that starts command as a daemon does: in a
// session of its own whose leader exits, so that it provably escaped to
// the reaper; it prints the daemon's pid.
func doubleFork(command string) string {
	return `(setsid sh -c '` + command + ` </dev/null >/dev/null 2>&1 & echo $!')`
}

// startPrinting starts a script that prints a pid on its first line and
// keeps running; it returns the script's command and that pid.
func startPrinting(script string) (*exec.Cmd, int, error) {
	cmd := exec.Command("sh", "-c", script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err = errors.Join(err, perr); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, 0, fmt.Errorf("%q said %q: %w", script, line, err)
	}
	return cmd, pid, nil
}

// checkIn runs "check --kill" against base with the default scope and
// fills res with its exit code, its report and which of res's processes
// are alive afterwards.
func checkIn(base string, res nsResult) (nsResult, error) {
	check := exec.Command(os.Getenv(nsBinEnv), "check", "--baseline", base, "--kill", "--grace", "1s", "--format", "json")
	check.Stderr = os.Stderr
	report, err := check.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return res, err
	}
	res.CheckExit, res.Report = check.ProcessState.ExitCode(), report
	if len(bytes.TrimSpace(report)) == 0 {
		res.Report = json.RawMessage("null")
	}
	for _, pid := range slices.Concat(res.Removed, res.Held, res.Spared) {
		if alive(pid) {
			res.Alive = append(res.Alive, pid)
		}
	}
	return res, nil
}
