package main

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// The regression tests of check's kill scope (issue 11, item 3). Each
// one failed on the check before the scope and the guard: run them
// against an older build with SYSPRIMS_LEAKCHECK_BIN=/path/to/it.

// TestCheckKillSparesPipelinePartnerE2E runs "check --kill | tee": tee
// started after the baseline, carries the marker and runs as the same
// user, yet it is the caller's pipeline partner (and attached to a live
// shell). It must live, and the report reach the file whole; with
// --attached it is in scope, and reported as sharing the caller's pipe.
func TestCheckKillSparesPipelinePartnerE2E(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed: the test reads PIPESTATUS")
	}
	env, _ := marker(t)
	base := takeBaseline(t)
	const script = `"$1" check --baseline "$2" --kill --grace 1s --marker "$3" $4 | tee "$5/report.txt"; echo "${PIPESTATUS[*]}" > "$5/status"`
	// The default scope leaves tee out (its parent lives); --attached
	// takes it in and leaves the guard to refuse it.
	for _, widen := range []string{"", "--attached"} {
		t.Run("scope"+widen, func(t *testing.T) {
			leak := startDetached(t, env)
			dir := t.TempDir()
			cmd := exec.Command(bash, "-c", script, "bash", binary(t), base, env, widen, dir)
			cmd.Env = append(os.Environ(), env)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("pipeline: %v\n%s", err, out)
			}
			status, _ := os.ReadFile(filepath.Join(dir, "status"))
			report, _ := os.ReadFile(filepath.Join(dir, "report.txt"))
			if got := strings.TrimSpace(string(status)); got != "3 0" {
				t.Errorf("pipestatus %q, want \"3 0\" (check found a leak, tee lived)", got)
			}
			line := "pid " + strconv.Itoa(leak) + " "
			summary := "1 process new since the baseline (removed)"
			if widen != "" {
				summary = "2 processes new since the baseline (1 of 2 removed)"
			}
			if !strings.Contains(string(report), summary) || !strings.Contains(string(report), line) {
				t.Errorf("report.txt:\n%s\nwant the leak %d, removed", report, leak)
			}
			if alive(leak) {
				t.Errorf("the leak %d outlived check --kill", leak)
			}
		})
	}
}

// TestCheckKillSparesPipelineTransitivelyE2E runs "check --attached
// --kill | cat | cat": both cats started after the baseline, carry the
// marker, run as the same user, and --attached takes them in. The first
// shares the caller's stdout pipe; the second only a pipe of the first.
// Both must live and the report reach the file; both are reported as
// sharing the caller's pipe. Before, the guard's
// partner check was one hop, and the last cat was killed.
func TestCheckKillSparesPipelineTransitivelyE2E(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed: the test reads PIPESTATUS")
	}
	env, _ := marker(t)
	base := takeBaseline(t)
	leak := startDetached(t, env)
	dir := t.TempDir()
	// check's stderr goes to a file: the cats' stderr (this test's pipe)
	// is then no stream of check's, and only the pipeline links them.
	const script = `"$1" check --baseline "$2" --kill --grace 1s --attached --marker "$3" 2>"$4/stderr" | cat | cat > "$4/report.txt"; echo "${PIPESTATUS[*]}" > "$4/status"`
	cmd := exec.Command(bash, "-c", script, "bash", binary(t), base, env, dir)
	cmd.Env = append(os.Environ(), env)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pipeline: %v\n%s", err, out)
	}
	status, _ := os.ReadFile(filepath.Join(dir, "status"))
	report, _ := os.ReadFile(filepath.Join(dir, "report.txt"))
	if got := strings.TrimSpace(string(status)); got != "3 0 0" {
		t.Errorf("pipestatus %q, want \"3 0 0\" (check found a leak, both cats lived)", got)
	}
	if !strings.Contains(string(report), "3 processes new since the baseline (1 of 3 removed)") || !strings.Contains(string(report), "pid "+strconv.Itoa(leak)+" ") {
		t.Errorf("report.txt:\n%s\nwant the leak %d removed, the cats reported", report, leak)
	}
	if alive(leak) {
		t.Errorf("the leak %d outlived check --kill", leak)
	}
}

// startJob starts another job's tree from this test: a shell with two
// children, its parent (this test) alive. It returns the three pids.
func startJob(t *testing.T, env string) []int {
	t.Helper()
	cmd := exec.Command("sh", "-c", `sleep 300 & a=$!; sleep 301 & echo "$$ $a $!"; wait`)
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var line [64]byte
	n, _ := out.Read(line[:])
	var pids []int
	for _, f := range strings.Fields(string(line[:n])) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("job said %q", line[:n])
		}
		pids = append(pids, pid)
	}
	if len(pids) != 3 {
		t.Fatalf("job said %q", line[:n])
	}
	for _, pid := range pids[1:] {
		if p, err := proc.Get(pid, proc.Options{}); err == nil {
			t.Cleanup(func() { _ = signal.SendIdentity(p.ID(), syscall.SIGKILL) })
		}
	}
	return pids
}

// checkKillJSON runs "check --kill --format json" against base, narrowed
// to the marker env, and returns its report, validated against the
// schema; check must exit 3 (processes in scope).
func checkKillJSON(t *testing.T, base, env string) report {
	t.Helper()
	r := runBin(t, nil, "check", "--baseline", base, "--kill", "--grace", "1s", "--marker", env, "--format", "json")
	if r.code != exitLeaked {
		t.Fatalf("exit %d, want %d; %s%s", r.code, exitLeaked, r.stdout, r.stderr)
	}
	validateReport(t, []byte(r.stdout))
	var rep report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestCheckKillSparesLiveJobE2E: another job started after the baseline,
// same user, same marker, but its parent lives: not in check's default
// scope. The detached leak beside it is.
func TestCheckKillSparesLiveJobE2E(t *testing.T) {
	env, id := marker(t)
	base := takeBaseline(t)
	job := startJob(t, env)
	leak := startDetached(t, env)
	rep := checkKillJSON(t, base, env)
	if len(rep.Leaked) != 1 || rep.Leaked[0].PID != leak || !rep.Leaked[0].Killed {
		t.Errorf("report %+v, want only the leak %d, removed", rep.Leaked, leak)
	}
	got := marked(id)
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(job)); !slices.Equal(got, want) {
		t.Errorf("alive with the marker: %v, want the job %v", got, want)
	}
}

// TestCheckRefusesBaselineFromAnotherBootE2E: a baseline whose boot id is
// not this boot's names other processes; check refuses it (125, one
// line) and kills nothing.
func TestCheckRefusesBaselineFromAnotherBootE2E(t *testing.T) {
	checkRefusesBaseline(t, "taken in another boot", func(doc map[string]any) {
		doc["origin"] = map[string]any{"boot_id": "00000000-0000-0000-0000-000000000000", "uid": os.Geteuid()}
	})
}

// TestCheckRefusesBaselineFromTheFutureE2E: a baseline dated after now
// makes every process look older than it, so check found nothing new and
// said "clean" over a live leak; it is refused (125, one line).
func TestCheckRefusesBaselineFromTheFutureE2E(t *testing.T) {
	checkRefusesBaseline(t, "after now", func(doc map[string]any) { doc["timestamp"] = "2999-01-01T00:00:00Z" })
}

// checkRefusesBaseline takes a baseline, changes it with edit, leaves a
// marked leak and runs check --kill with it: check must exit 125 with one
// line containing why, and the leak must live on.
func checkRefusesBaseline(t *testing.T, why string, edit func(doc map[string]any)) {
	t.Helper()
	env, id := marker(t)
	b, err := os.ReadFile(takeBaseline(t))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	base := writeFile(t, t.TempDir(), "edited.json", string(b))
	leak := startDetached(t, env)
	r := runBin(t, nil, "check", "--baseline", base, "--kill", "--marker", env)
	if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, why) {
		t.Errorf("exit %d, stderr %q; want 125 and one line saying %q", r.code, r.stderr, why)
	}
	if got := marked(id); !slices.Equal(got, []int{leak}) {
		t.Errorf("alive with the marker: %v, want the leak %d untouched", got, leak)
	}
}

// TestCheckKillReportsHelperImpostorE2E: a daemon that set SYSPRIMS_SHIM
// or SYSPRIMS_GUARDIAN in its environment (any process can) is no helper
// of a live run. check --kill reports it in those words and leaves it
// running (the marker proves nothing either way); the plain leak beside
// it goes. Before, the guard took it for a helper and dropped it from the
// report unseen.
func TestCheckKillReportsHelperImpostorE2E(t *testing.T) {
	env, id := marker(t)
	base := takeBaseline(t)
	shim := startDetached(t, env, owner.EnvShim+"=1")
	guardian := startDetached(t, env, owner.EnvGuardian+"=/sys/fs/cgroup/sysprims-1-x")
	plain := startDetached(t, env)
	rep := checkKillJSON(t, base, env)
	got := map[int]leak{}
	for _, l := range rep.Leaked {
		got[l.PID] = l
	}
	const words = "carries a sysprims helper marker but is not a helper of a live run"
	for _, pid := range []int{shim, guardian} {
		if l, ok := got[pid]; !ok || l.Killed || !strings.Contains(l.Reason, words) || strings.Contains(l.Reason, "is a sysprims helper") {
			t.Errorf("impostor %d: %+v (reported %v), want reported as one that %s, not removed", pid, l, ok, words)
		}
	}
	if l, ok := got[plain]; !ok || !l.Killed {
		t.Errorf("the leak %d: %+v (reported %v), want removed", plain, l, ok)
	}
	alive := marked(id)
	slices.Sort(alive)
	if want := slices.Sorted(slices.Values([]int{shim, guardian})); !slices.Equal(alive, want) {
		t.Errorf("alive with the marker: %v, want the impostors %v", alive, want)
	}
}

// TestCheckKillCatchesForksDuringGraceE2E: a detached leak that ignores
// SIGTERM goes on forking during the grace; its children (attached while
// it lives, so out of the first look's scope) are orphaned when it is
// killed and enter the scope: check removes them too and reports them.
func TestCheckKillCatchesForksDuringGraceE2E(t *testing.T) {
	env, _ := marker(t)
	base := takeBaseline(t)
	arg := strconv.FormatInt(200000+time.Now().UnixNano()%700000, 10)
	ready := filepath.Join(t.TempDir(), "ready")
	t.Cleanup(func() { killByArg(arg) })
	loop := fmt.Sprintf(`trap "" TERM; i=0; while :; do sleep %s & i=$((i+1)); [ $i != 3 ] || : > %s; sleep 0.02; done`, arg, ready)
	// A daemon (see startDetached): a session leader starts the loop and exits.
	cmd := exec.Command("setsid", "sh", "-c", `sh -c "$1" </dev/null >/dev/null 2>&1 &`, "sh", loop)
	cmd.Env = append(os.Environ(), env)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if !waittest.Until(10*time.Second, func() bool { _, err := os.Stat(ready); return err == nil }) {
		t.Fatal("the forking leak never started")
	}
	r := runBin(t, nil, "check", "--baseline", base, "--kill", "--grace", "300ms", "--marker", env, "--format", "json")
	if r.code != exitLeaked {
		t.Fatalf("exit %d, want %d; %s%s", r.code, exitLeaked, r.stdout, r.stderr)
	}
	if left := withArg(arg); len(left) > 0 {
		t.Errorf("%d children of the leak outlived check --kill: %v\n%s", len(left), left, r.stdout)
	}
}

// TestCheckKillSparesFIFOReaderE2E runs "check --kill > ff" while a
// detached "cat ff" (new, marked, reparented) reads the named pipe, which
// it opened itself on fd 3. The reader is the caller's partner: it is
// reported, not removed, and the report reaches it whole; check exits 3
// for the leak beside it, which it removes. Before, the guard knew no
// FIFO: it killed the reader, and check died of SIGPIPE (141) with the
// report lost.
func TestCheckKillSparesFIFOReaderE2E(t *testing.T) {
	env, _ := marker(t)
	base := takeBaseline(t)
	leak := startDetached(t, env)
	dir := t.TempDir()
	ff := filepath.Join(dir, "ff")
	if err := syscall.Mkfifo(ff, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	start := exec.Command("setsid", "sh", "-c", `cat "$1" >"$2" 2>/dev/null </dev/null & echo $!`, "sh", ff, filepath.Join(dir, "out"))
	start.Env = append(os.Environ(), env)
	out, err := start.Output()
	if err != nil {
		t.Fatalf("starting the FIFO's reader: %v", err)
	}
	reader := killLater(t, out)
	const script = `"$1" check --baseline "$2" --kill --grace 1s --marker "$3" 2>"$4/stderr" >"$4/ff"; echo $? >"$4/status"`
	if out, err := exec.Command("sh", "-c", script, "sh", binary(t), base, env, dir).CombinedOutput(); err != nil {
		t.Fatalf("check > ff: %v\n%s", err, out)
	}
	status, _ := os.ReadFile(filepath.Join(dir, "status"))
	if got := strings.TrimSpace(string(status)); got != "3" {
		stderr, _ := os.ReadFile(filepath.Join(dir, "stderr"))
		t.Errorf("check exit %s, want 3 (a leak found; the reader lived); stderr:\n%s", got, stderr)
	}
	waittest.Until(10*time.Second, func() bool { return !alive(reader) })
	report, _ := os.ReadFile(filepath.Join(dir, "out"))
	if !strings.Contains(string(report), "pid "+strconv.Itoa(leak)+" ") || !strings.Contains(string(report), "(1 of 2 removed)") {
		t.Errorf("the reader got:\n%s\nwant the leak %d removed and the reader %d reported", report, leak, reader)
	}
	if !strings.Contains(string(report), "shares the caller's pipe: reported, not removed") {
		t.Errorf("the reader %d is not reported as a partner:\n%s", reader, report)
	}
	if alive(leak) {
		t.Errorf("the leak %d outlived check --kill", leak)
	}
}

// TestCheckKillSparesProcessSubstitutionE2E runs "check --attached --kill
// | tee >(cat > f)": tee shares check's stdout pipe and holds the pipe to
// the process substitution on fd 63, which the substitution's cat reads
// on fd 0. Both are partners: reported, not removed; tee exits 0 and the
// report reaches f. Before, the walk followed fds 0-2 alone: the cat was
// killed and tee died of SIGPIPE (141).
func TestCheckKillSparesProcessSubstitutionE2E(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed: the test uses process substitution")
	}
	env, _ := marker(t)
	base := takeBaseline(t)
	leak := startDetached(t, env)
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "ready"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// The substitution says it runs (through the FIFO ready) before check
	// starts: check then sees it, whatever the scheduling.
	const script = `{ read _ <"$4/ready"; exec "$1" check --baseline "$2" --attached --kill --grace 1s --marker "$3" 2>"$4/stderr"; } | tee >(echo >"$4/ready"; exec cat >"$4/psub.txt") >/dev/null; echo "${PIPESTATUS[*]}" >"$4/status"`
	// The shell's output goes to /dev/null: a pipe to this test there
	// would link tee and cat by their stderr.
	cmd := exec.Command(bash, "-c", script, "bash", binary(t), base, env, dir)
	cmd.Env = append(os.Environ(), env)
	if err := cmd.Run(); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	status, _ := os.ReadFile(filepath.Join(dir, "status"))
	if got := strings.TrimSpace(string(status)); got != "3 0" {
		stderr, _ := os.ReadFile(filepath.Join(dir, "stderr"))
		t.Errorf("pipestatus %q, want \"3 0\" (check found a leak, tee lived); stderr:\n%s", got, stderr)
	}
	var report []byte
	waittest.Until(10*time.Second, func() bool {
		report, _ = os.ReadFile(filepath.Join(dir, "psub.txt"))
		return bytes.Count(report, []byte("shares the caller's pipe")) >= 2
	})
	if !strings.Contains(string(report), "pid "+strconv.Itoa(leak)+" ") || bytes.Count(report, []byte("shares the caller's pipe: reported, not removed")) < 2 {
		t.Errorf("psub.txt:\n%s\nwant the leak %d removed, tee and the substitution's cat reported", report, leak)
	}
	if alive(leak) {
		t.Errorf("the leak %d outlived check --kill", leak)
	}
}

// TestCheckKillReportsDaemonOnCallersPipeE2E is one CI step: a daemon
// started after the baseline kept the step's stdout pipe, which check
// writes to as well. It is a leak: reported with exit 3, not removed (it
// shares the caller's pipe). Before, the guard dropped it from the scope
// as a pipeline partner, and check said clean (exit 0).
func TestCheckKillReportsDaemonOnCallersPipeE2E(t *testing.T) {
	env, _ := marker(t)
	base := takeBaseline(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	var pidOut bytes.Buffer
	start := exec.Command("setsid", "sh", "-c", `sleep 300 </dev/null 2>/dev/null & echo $! >&2`)
	start.Env, start.Stdout, start.Stderr = append(os.Environ(), env), w, &pidOut
	if err := start.Run(); err != nil {
		t.Fatalf("starting the daemon: %v", err)
	}
	daemon := killLater(t, pidOut.Bytes())
	outFile := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), waittest.Scale(60*time.Second))
	defer cancel()
	check := exec.CommandContext(ctx, binary(t), "check", "--baseline", base, "--kill", "--grace", "1s", "--marker", env, "--format", "json", "--output", outFile)
	var stderr bytes.Buffer
	check.Stdout, check.Stderr = w, &stderr
	if err := check.Run(); check.ProcessState == nil {
		t.Fatalf("check: %v", err)
	}
	if code := check.ProcessState.ExitCode(); code != exitLeaked {
		t.Fatalf("check exit %d, want %d (a leak found); stderr:\n%s", code, exitLeaked, stderr.String())
	}
	rep, raw := readReport(t, outFile)
	if len(rep.Leaked) != 1 || rep.Leaked[0].PID != daemon || rep.Leaked[0].Killed || !strings.Contains(rep.Leaked[0].Reason, "shares the caller's pipe: reported, not removed") {
		t.Errorf("report:\n%s\nwant the daemon %d alone, reported as sharing the caller's pipe, not removed", raw, daemon)
	}
	if !alive(daemon) {
		t.Errorf("the daemon %d on the caller's pipe was killed", daemon)
	}
}

// TestCheckKillRescanKeepsToItsScopeE2E: while check --kill waits out the
// grace of a leak that traps SIGTERM, another job starts a daemon of the
// same user and marker. It was not alive at check's first look, nor is
// it in a leak's session: the rescan neither reports nor removes it.
func TestCheckKillRescanKeepsToItsScopeE2E(t *testing.T) {
	env, _ := marker(t)
	base := takeBaseline(t)
	termed := filepath.Join(t.TempDir(), "termed")
	arg := strconv.FormatInt(200000+time.Now().UnixNano()%700000, 10)
	t.Cleanup(func() { killByArg(arg) })
	loop := fmt.Sprintf(`trap ": > %s" TERM; while :; do sleep 0.05; done`, termed)
	leak := exec.Command("setsid", "sh", "-c", `sh -c "$1" </dev/null >/dev/null 2>&1 &`, "sh", loop)
	leak.Env = append(os.Environ(), env)
	if err := leak.Run(); err != nil {
		t.Fatal(err)
	}
	check := exec.Command(binary(t), "check", "--baseline", base, "--kill", "--grace", waittest.Scale(2*time.Second).String(), "--marker", env, "--format", "json")
	var out bytes.Buffer
	check.Stdout = &out
	if err := check.Start(); err != nil {
		t.Fatal(err)
	}
	if !waittest.Until(10*time.Second, func() bool { _, err := os.Stat(termed); return err == nil }) {
		t.Fatal("the leak never got SIGTERM")
	}
	other := exec.Command("setsid", "sh", "-c", `sleep "$1" </dev/null >/dev/null 2>&1 &`, "sh", arg)
	other.Env = append(os.Environ(), env)
	if err := other.Run(); err != nil {
		t.Fatal(err)
	}
	_ = check.Wait()
	if left := withArg(arg); len(left) != 1 {
		t.Errorf("the other job's daemon sleep %s: %d alive after check, want 1\n%s", arg, len(left), out.String())
	}
	if strings.Contains(out.String(), "sleep "+arg) || strings.Contains(out.String(), `"`+arg+`"`) {
		t.Errorf("check reported the other job's daemon:\n%s", out.String())
	}
}
