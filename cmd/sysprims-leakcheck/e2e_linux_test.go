package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// markerKey marks every process the end-to-end tests start, so survivors
// can be found by scanning /proc/*/environ independently of the code under
// test.
const markerKey = "SYSPRIMS_LEAKCHECK_TEST"

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == probeChildCmd || os.Args[1] == probeGrandchildCmd) {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) // the reaper probe re-executes this binary
	}
	if s := os.Getenv(nsScenarioEnv); s != "" {
		os.Exit(nsMain(s))
	}
	if env := os.Getenv(subreaperScenarioEnv); env != "" {
		os.Exit(subreaperMain(env))
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binEnv names a prebuilt sysprims-leakcheck for the end-to-end tests to
// run instead of building this package: how a regression test is shown
// to fail on an older build.
const binEnv = "SYSPRIMS_LEAKCHECK_BIN"

// binary builds sysprims-leakcheck once per test run and returns its path
// (or the binary $SYSPRIMS_LEAKCHECK_BIN names).
func binary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv(binEnv); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "leakcheck-bin-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, progName)
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		out, err := exec.Command(goTool, "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return builtBin
}

// marker returns a fresh KEY=VALUE marker for this test and registers a
// cleanup that fails the test, and kills them, if any marked process is
// still alive.
func marker(t *testing.T) (env, id string) {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	id = hex.EncodeToString(b[:])
	env = markerKey + "=" + id
	t.Cleanup(func() {
		if left := marked(id); len(left) > 0 {
			t.Errorf("survivors carrying %s: %v", env, left)
			for _, pid := range left {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return env, id
}

// marked lists the live (non-zombie) processes whose environment carries
// markerKey=id, read straight from /proc.
func marked(id string) []int {
	want := []byte(markerKey + "=" + id + "\x00")
	paths, _ := filepath.Glob("/proc/[0-9]*/environ")
	var pids []int
	for _, p := range paths {
		env, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(env, want) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// result is one run of the built binary.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// runBin runs the built binary with extra environment and arguments.
func runBin(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waittest.Scale(60*time.Second))
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = waittest.Scale(5 * time.Second)
	begin := time.Now()
	err := cmd.Run()
	r := result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String(), elapsed: time.Since(begin)}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running %v: %v (stderr %q)", args, err, r.stderr)
	}
	return r
}

// leakScript leaves n "sleep 30N" processes behind, each escaped via
// setsid, and exits once every one of them runs sleep.
func leakScript(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("setsid sleep 30" + strconv.Itoa(i) + " & p" + strconv.Itoa(i) + "=$!; ")
		b.WriteString(`until [ "$(cat /proc/$p` + strconv.Itoa(i) + `/comm 2>/dev/null)" = sleep ]; do :; done; `)
	}
	return b.String() + "echo started"
}

func TestRunLeakTextE2E(t *testing.T) {
	env, id := marker(t)
	r := runBin(t, []string{env}, "run", "--", "sh", "-c", leakScript(1))
	if r.code != exitLeaked {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitLeaked, r.stderr)
	}
	if r.stdout != "started\n" {
		t.Errorf("command output %q not passed through", r.stdout)
	}
	for _, want := range []string{"1 process outlived the command (removed)", "sleep 300", "escaped via setsid"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stderr)
		}
	}
	if left := marked(id); len(left) > 0 {
		t.Errorf("survivors after run: %v", left)
	}
}

// readReport reads the JSON report written to path, checks it against
// the schema and decodes it; it returns the bytes too, for messages.
func readReport(t *testing.T, path string) (report, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	validateReport(t, data)
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	return rep, data
}

func TestRunLeakJSONE2E(t *testing.T) {
	env, id := marker(t)
	out := filepath.Join(t.TempDir(), "report.json")
	r := runBin(t, []string{env}, "run", "--format", "json", "--output", out, "--", "sh", "-c", leakScript(2))
	if r.code != exitLeaked {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitLeaked, r.stderr)
	}
	rep, data := readReport(t, out)
	if rep.Status != statusLeaked || rep.ExitCode != exitLeaked || len(rep.Leaked) != 2 || len(rep.Survivors) != 0 {
		t.Fatalf("report %s", data)
	}
	for i, l := range rep.Leaked {
		want := "sleep 30" + strconv.Itoa(i)
		if strings.Join(l.Cmdline, " ") != want || !l.Killed || l.Escape[0] != owner.EscSetsid || l.Markers[markerKey] != id {
			t.Errorf("leak %d: %+v, want %q escaped via setsid and killed", i, l, want)
		}
	}
	if *rep.CommandExitCode != 0 || rep.Mechanism == "" || rep.TreeKillReliability == "" {
		t.Errorf("report %s", data)
	}
	if left := marked(id); len(left) > 0 {
		t.Errorf("survivors after run: %v", left)
	}
}

func TestRunLeakGitHubE2E(t *testing.T) {
	env, _ := marker(t)
	r := runBin(t, []string{env}, "run", "--format", "github", "--", "sh", "-c", leakScript(2))
	if r.code != exitLeaked {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	var annotations []string
	for _, line := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(line, "::error title=sysprims-leakcheck%3A leaked process::pid ") {
			annotations = append(annotations, line)
		}
	}
	if len(annotations) != 2 || !strings.Contains(annotations[0], "sleep 300") || !strings.Contains(annotations[1], "sleep 301") {
		t.Errorf("annotations %q in:\n%s", annotations, r.stderr)
	}
}

func TestRunCleanE2E(t *testing.T) {
	env, _ := marker(t)
	r := runBin(t, []string{env}, "run", "--format", "json", "--", "sh", "-c", "sleep 0.01 & wait")
	if r.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	validateReport(t, []byte(r.stderr))
	if !strings.Contains(r.stderr, `"status": "clean"`) {
		t.Errorf("report:\n%s", r.stderr)
	}
}

// run's JSON report follows its schema however the command ends: failed,
// killed by a signal, timed out; a command not found gives no report, and
// --output leaves no file (it left an empty one, which is no JSON).
func TestRunJSONOutcomesE2E(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"failed", []string{"--", "sh", "-c", "exit 7"}, 7},
		{"killed", []string{"--", "sh", "-c", "kill -TERM $$"}, 128 + int(syscall.SIGTERM)},
		{"timed out", []string{"--timeout", "100ms", "--grace", "100ms", "--", "sleep", "300"}, exitTimedOut},
		{"not found", []string{"--", "sysprims-no-such-command"}, exitNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, _ := marker(t)
			out := filepath.Join(t.TempDir(), "report.json")
			r := runBin(t, []string{env}, append([]string{"run", "--format", "json", "--output", out}, tc.args...)...)
			if r.code != tc.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.want, r.stderr)
			}
			b, err := os.ReadFile(out)
			switch {
			case tc.want == exitNotFound && !errors.Is(err, fs.ErrNotExist):
				t.Errorf("a command that never started left %s: %q, %v", out, b, err)
			case tc.want != exitNotFound && err != nil:
				t.Errorf("no report: %v; stderr:\n%s", err, r.stderr)
			case tc.want != exitNotFound:
				validateReport(t, b)
			}
		})
	}
}

func TestRunTimeoutE2E(t *testing.T) {
	env, id := marker(t)
	const timeout, grace, margin = 500 * time.Millisecond, 300 * time.Millisecond, time.Second
	r := runBin(t, []string{env}, "run", "--timeout", "500ms", "--grace", "300ms", "--", "sh", "-c", `trap "" TERM; sleep 300`)
	if r.code != exitTimedOut {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitTimedOut, r.stderr)
	}
	if bound := timeout + grace + waittest.Scale(margin); r.elapsed < timeout || r.elapsed > bound {
		t.Errorf("took %v, want between %v and %v", r.elapsed, timeout, bound)
	}
	if !strings.Contains(r.stderr, "timed out") {
		t.Errorf("report:\n%s", r.stderr)
	}
	if left := marked(id); len(left) > 0 {
		t.Errorf("survivors after timeout: %v", left)
	}
}

func TestRunExitStatusE2E(t *testing.T) {
	dir := t.TempDir()
	plain := writeFile(t, dir, "plain.sh", "#!/bin/sh\nexit 0\n")
	cases := []struct {
		name string
		argv []string
		want int
		say  string // in the text report: how the command itself ended
	}{
		{"exit 0", []string{"true"}, 0, "clean: no process outlived the command; the command exited 0"},
		{"exit 7", []string{"sh", "-c", "exit 7"}, 7, "clean: no process outlived the command; the command failed (exit status 7)"},
		{"killed by SIGTERM", []string{"sh", "-c", "kill -TERM $$"}, 128 + int(syscall.SIGTERM), "clean: no process outlived the command; the command was killed by SIGTERM"},
		{"leak and fail", []string{"sh", "-c", "setsid sleep 300 </dev/null >/dev/null 2>&1 & exit 5"}, exitLeaked, "1 process outlived the command (removed); the command failed (exit status 5)"},
		{"missing by name", []string{"sysprims-no-such-command"}, exitNotFound, ""},
		{"missing by path", []string{filepath.Join(dir, "absent")}, exitNotFound, ""},
		{"not executable", []string{plain}, exitNotExecutable, ""},
		{"a directory", []string{dir}, exitNotExecutable, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env, _ := marker(t)
			r := runBin(t, []string{env}, append([]string{"run", "--"}, tc.argv...)...)
			if r.code != tc.want || !strings.Contains(r.stderr, tc.say) {
				t.Errorf("exit %d, want %d and %q; stderr:\n%s", r.code, tc.want, tc.say, r.stderr)
			}
		})
	}
}

// startBin starts the binary with a pipe on its stdout and waits for the
// first line, which the command prints when it is ready.
func startBin(t *testing.T, env []string, args ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rd := bufio.NewReader(stdout)
	if line, err := rd.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("readiness line %q, %v", line, err)
	}
	return cmd, rd
}

// waitBin reads the rest of stdout and waits for the binary, bounded.
func waitBin(t *testing.T, cmd *exec.Cmd, rd *bufio.Reader) int {
	t.Helper()
	done := make(chan int, 1)
	go func() {
		_, _ = rd.WriteTo(&bytes.Buffer{})
		_ = cmd.Wait()
		done <- cmd.ProcessState.ExitCode()
	}()
	select {
	case code := <-done:
		return code
	case <-time.After(waittest.Scale(20 * time.Second)):
		t.Fatal("sysprims-leakcheck did not exit")
		return -1
	}
}

func TestRunForwardsSignalE2E(t *testing.T) {
	env, id := marker(t)
	cmd, rd := startBin(t, []string{env}, "run", "--", "sh", "-c", "echo ready; exec sleep 300")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitBin(t, cmd, rd); code != 128+int(syscall.SIGTERM) {
		t.Errorf("exit %d, want %d", code, 128+int(syscall.SIGTERM))
	}
	if left := marked(id); len(left) > 0 {
		t.Errorf("survivors: %v", left)
	}
}

func TestRunSecondSignalTearsDownE2E(t *testing.T) {
	env, id := marker(t)
	cmd, rd := startBin(t, []string{env}, "run", "--grace", "200ms", "--", "sh", "-c", `trap "" TERM INT; echo ready; sleep 300`)
	// Two signals sent at once may arrive as one, so keep sending until
	// sysprims-leakcheck exits: the first is forwarded (and ignored), a
	// later one tears the tree down.
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			_ = cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	code := waitBin(t, cmd, rd)
	close(stop)
	if code != 128+int(syscall.SIGKILL) {
		t.Errorf("exit %d, want %d (killed after the grace)", code, 128+int(syscall.SIGKILL))
	}
	if left := marked(id); len(left) > 0 {
		t.Errorf("survivors: %v", left)
	}
}

// startMarked starts "sleep 300" carrying env, directly from the test.
func startMarked(t *testing.T, env string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	cmd.Env = append(os.Environ(), env)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// startDetached starts "sleep 300" carrying env as a daemon: a shell in
// a session of its own starts it in the background and exits, so the
// kernel reparents it to the reaper (pid 1, or the nearest subreaper
// above this test, such as sysprims-leakcheck run wrapping the tests)
// and its session is neither the reaper's nor its own: it provably
// escaped. It returns the pid; the cleanup kills it by identity. more
// are further KEY=VALUE entries for its environment.
func startDetached(t *testing.T, env string, more ...string) int {
	t.Helper()
	cmd := exec.Command("setsid", "sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & echo $!")
	cmd.Env = append(append(os.Environ(), env), more...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("starting a detached sleep: %v", err)
	}
	return killLater(t, out)
}

// killLater reads the pid a fixture printed and kills that process, by
// identity, when the test ends, waiting until it is dead: kill(2) returns
// before the process exits, and the marker's check of survivors runs
// right after.
func killLater(t *testing.T, out []byte) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("fixture printed %q, want a pid", out)
	}
	p, err := proc.Get(pid, proc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if signal.SendIdentity(p.ID(), syscall.SIGKILL) == nil {
			waittest.Until(5*time.Second, func() bool { return !alive(pid) })
		}
	})
	return pid
}

// takeBaseline writes "snapshot --json" to a file and returns its path.
func takeBaseline(t *testing.T) string {
	t.Helper()
	r := runBin(t, nil, "snapshot", "--json")
	if r.code != 0 {
		t.Fatalf("snapshot: exit %d: %s", r.code, r.stderr)
	}
	if err := loadSchema(t, "process-snapshot.schema.json").Validate([]byte(r.stdout)); err != nil {
		t.Errorf("the baseline (a whole snapshot) does not match its schema: %v", err)
	}
	return writeFile(t, t.TempDir(), "baseline.json", r.stdout)
}

func TestCheckKillE2E(t *testing.T) {
	env, id := marker(t)
	old := startMarked(t, env)
	oldOrphan := startDetached(t, env)
	base := takeBaseline(t)
	young := startDetached(t, env)
	sel := "--marker=" + env

	r := runBin(t, nil, "check", "--baseline", base, sel, "--format", "json")
	if r.code != exitLeaked {
		t.Fatalf("check: exit %d; %s%s", r.code, r.stdout, r.stderr)
	}
	validateReport(t, []byte(r.stdout))
	var rep report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Leaked) != 1 || rep.Leaked[0].PID != young || rep.Leaked[0].Killed {
		t.Fatalf("check found %s, want only pid %d, not killed", r.stdout, young)
	}
	if !alive(old.Process.Pid) || !alive(oldOrphan) || !alive(young) {
		t.Fatal("check without --kill killed something")
	}

	r = runBin(t, nil, "check", "--baseline", base, sel, "--kill", "--grace", "1s")
	if r.code != exitLeaked || !strings.Contains(r.stdout, "pid "+strconv.Itoa(young)) || !strings.Contains(r.stdout, "(removed)") {
		t.Fatalf("check --kill: exit %d; %s%s", r.code, r.stdout, r.stderr)
	}
	if alive(young) {
		t.Error("the new process outlived check --kill")
	}
	if got := marked(id); !slices.Equal(got, []int{old.Process.Pid, oldOrphan}) && !slices.Equal(got, []int{oldOrphan, old.Process.Pid}) {
		t.Errorf("marked processes %v, want only the baseline ones %d and %d", got, old.Process.Pid, oldOrphan)
	}

	r = runBin(t, nil, "check", "--baseline", base, sel, "--kill")
	if r.code != 0 || !strings.Contains(r.stdout, "clean") {
		t.Errorf("second check: exit %d; %s%s", r.code, r.stdout, r.stderr)
	}
}

func TestBadInputKillsNothingE2E(t *testing.T) {
	env, id := marker(t)
	base := takeBaseline(t)
	young := startDetached(t, env)
	dir := t.TempDir()
	malformed := writeFile(t, dir, "bad.json", `{"schema_id":"nope","processes":[]}`)
	sel := "--marker=" + env
	for _, args := range [][]string{
		{"check", "--kill", "--baseline", malformed, sel},
		{"check", "--kill", "--baseline", filepath.Join(dir, "absent.json"), sel},
		{"check", "--kill", "--baseline", base, sel, "--grace", "soon"},
		{"check", "--kill", "--baseline", base, sel, "--signal", "FOO"},
		{"check", "--kill", "--baseline", base, sel, "--format", "yaml"},
		{"check", "--kill", "--baseline", base, "--marker", "HOME"},
		{"run", "--timeout", "soon", "--", "sh", "-c", "sleep 300"},
		{"run", "--signal", "NOPE", "--", "sh", "-c", "sleep 300"},
	} {
		r := runBin(t, []string{env}, args...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 125 and one line", args, r.code, r.stderr)
		}
		if got := marked(id); len(got) != 1 || got[0] != young {
			t.Fatalf("%v: marked processes now %v, want only %d", args, got, young)
		}
	}
}

// TestCheckRefusesNonTerminatingSignalE2E: a --signal that does not end
// a process (STOP, CONT, TSTP) is a usage error, as the library's
// WithSignal is: exit 125, one line, nothing signalled. Before, check
// --kill sent it, waited the grace and killed the leak with SIGKILL.
func TestCheckRefusesNonTerminatingSignalE2E(t *testing.T) {
	env, id := marker(t)
	base := takeBaseline(t)
	young := startDetached(t, env)
	for _, sig := range []string{"STOP", "CONT", "SIGTSTP", "19"} {
		r := runBin(t, []string{env}, "check", "--kill", "--baseline", base, "--marker="+env, "--grace", "1s", "--signal", sig)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "does not end a process") {
			t.Errorf("--signal %s: exit %d, stderr %q; want 125 and one line saying it does not end a process", sig, r.code, r.stderr)
		}
		if got := marked(id); len(got) != 1 || got[0] != young {
			t.Fatalf("--signal %s: marked processes now %v, want only %d", sig, got, young)
		}
		if p, err := proc.Get(young, proc.Options{}); err != nil || p.State == proc.StateStopped {
			t.Fatalf("--signal %s: the leak %d is %v (%v), want it running untouched", sig, young, p.State, err)
		}
	}
}

func TestSnapshotE2E(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	r := runBin(t, nil, "snapshot", "--json", "--filter", "pid_in="+self)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		SchemaID  string `json:"schema_id"`
		Timestamp string `json:"timestamp"`
		Processes []struct {
			PID     int      `json:"pid"`
			Cmdline []string `json:"cmdline"`
			User    string   `json:"user"`
		} `json:"processes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if _, err := parseBaseline([]byte(r.stdout)); err == nil || !strings.Contains(err.Error(), "--filter") {
		t.Errorf("a filtered snapshot was accepted as a baseline: %v", err)
	}
	if err := loadSchema(t, "process-snapshot.schema.json").Validate([]byte(r.stdout)); err != nil {
		t.Errorf("snapshot does not match its schema: %v", err)
	}
	if len(doc.Processes) != 1 || doc.Processes[0].PID != os.Getpid() || len(doc.Processes[0].Cmdline) == 0 || doc.Processes[0].User == "" {
		t.Errorf("filtered snapshot %s", r.stdout)
	}

	r = runBin(t, nil, "snapshot")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) < 3 || !strings.HasPrefix(lines[0], "PID ") {
		t.Fatalf("text snapshot exit %d:\n%s", r.code, r.stdout)
	}
	col := strings.Index(lines[0], "COMMAND")
	found := false
	for _, l := range lines[1:] {
		found = found || strings.HasPrefix(l, self+" ")
		if len(l) < col {
			t.Errorf("row shorter than the header's COMMAND column: %q", l)
		}
	}
	if !found {
		t.Errorf("pid %s missing from\n%s", self, r.stdout)
	}

	r = runBin(t, nil, "snapshot", "--filter", "colour=blue")
	if r.code != exitUsage || !strings.Contains(r.stderr, `unknown key "colour"`) {
		t.Errorf("bad filter: exit %d, %q", r.code, r.stderr)
	}
}

// TestSnapshotPeakRSSE2E measures the peak resident set of
// "snapshot --json" with GNU time (%M, in KB) and holds it under 10 MB.
func TestSnapshotPeakRSSE2E(t *testing.T) {
	gnuTime, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		t.Skip("GNU time not installed: /usr/bin/time measures the peak RSS")
	}
	cmd := exec.Command(gnuTime, "-f", "maxrss_kb=%M", "-o", filepath.Join(t.TempDir(), "t"), binary(t), "snapshot", "--json")
	cmd.Stdout = &bytes.Buffer{}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cmd.Args[4])
	if err != nil {
		t.Fatal(err)
	}
	kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(b)), "maxrss_kb=")))
	if err != nil {
		t.Fatalf("GNU time said %q", b)
	}
	t.Logf("snapshot --json peak RSS: %d KB (%d bytes of JSON)", kb, cmd.Stdout.(*bytes.Buffer).Len())
	if kb >= 10*1024 {
		t.Errorf("peak RSS %d KB, want under 10240 KB", kb)
	}
}

// TestRunMarksTheTreeAsItsOwnE2E: the command's processes carry markers
// minted by this run, never the ones sysprims-leakcheck inherited (a
// library inside the command must not take the wrapper's tree, or an
// outer test's, for one of its own).
func TestRunMarksTheTreeAsItsOwnE2E(t *testing.T) {
	env, _ := marker(t)
	inherited := []string{env, owner.EnvRunID + "=outerrun", owner.EnvTreeID + "=outerrun-7", owner.EnvTest + "=TestOuter"}
	r := runBin(t, inherited, "run", "--", "sh", "-c", "env | grep '^SYSPRIMS_' | sort")
	if r.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	got := map[string]string{}
	for _, kv := range strings.Fields(r.stdout) {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	run := got[owner.EnvRunID]
	if len(run) != 12 || run == "outerrun" || got[owner.EnvTreeID] != run+"-1" {
		t.Errorf("run and tree markers %q, %q: want ones minted by sysprims-leakcheck", run, got[owner.EnvTreeID])
	}
	if _, ok := got[owner.EnvTest]; ok || got[markerKey] == "" {
		t.Errorf("environment markers %v: want no inherited test, the user's own variables kept", got)
	}
}
