package main

import (
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
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// TestRunCatchesAMigrantWithoutMarkersE2E: as root, a daemon that moves
// itself out of run's cgroup and wipes its environment (so neither the
// container nor a marker finds it) is still below run, a child
// subreaper, when the command is over: run removes it and reports it as
// a leak that migrated, best_effort.
func TestRunCatchesAMigrantWithoutMarkersE2E(t *testing.T) {
	dir := migrantCgroup(t)
	pidFile := filepath.Join(t.TempDir(), "migrant")
	script := fmt.Sprintf(`(env -i setsid sh -c "echo \$\$ > %[1]s/cgroup.procs && echo \$\$ > %[2]s.tmp && mv %[2]s.tmp %[2]s && exec sleep 309" &); until [ -s %[2]s ]; do :; done`, dir, pidFile)
	out := filepath.Join(t.TempDir(), "report.json")
	r := runBin(t, nil, "run", "--format", "json", "--output", out, "--", "sh", "-c", script)
	b, _ := os.ReadFile(pidFile)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("no migrant pid (%q); exit %d, stderr:\n%s", b, r.code, r.stderr)
	}
	if r.code != exitLeaked {
		t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitLeaked, r.stderr)
	}
	rep, data := readReport(t, out)
	i := slices.IndexFunc(rep.Leaked, func(l leak) bool { return l.PID == pid })
	if i < 0 || !rep.Leaked[i].Killed || !slices.Contains(rep.Leaked[i].Escape, owner.EscMigrated) {
		t.Errorf("report %s: want migrant %d leaked, migrated, killed", data, pid)
	}
	if rep.TreeKillReliability != string(platform.BestEffort) || len(rep.Survivors) != 0 {
		t.Errorf("report %s: want best_effort and no survivor", data)
	}
	gone := waittest.Until(5*time.Second, func() bool {
		p, err := proc.Get(pid, proc.Options{})
		return err != nil || p.State.Gone()
	})
	if !gone {
		t.Errorf("migrant %d still runs", pid)
	}
}

// migrantCgroup makes a cgroup for a migrant to move to, next to the test
// process's own; anything in it is killed and it is removed at the end.
// It skips unless run gets the cgroup v2 mechanism (root, here).
func migrantCgroup(t *testing.T) string {
	t.Helper()
	c := platform.Probe()
	if os.Geteuid() != 0 || c.CgroupMount == "" {
		t.Skip("needs root and a cgroup v2 hierarchy")
	}
	dir := filepath.Join(c.CgroupMount, c.CgroupSelf, fmt.Sprintf("leakcheck-migrants-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot make a cgroup: %v", err)
	}
	t.Cleanup(func() {
		_ = os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
		waittest.Until(5*time.Second, func() bool { return syscall.Rmdir(dir) != syscall.EBUSY })
	})
	return dir
}

// TestRunRemovesForkingStraysE2E: as root, a migrant that forks orphans
// in a loop leaves run more strays while they are removed; run scans
// below itself again until none is left, and none survives.
func TestRunRemovesForkingStraysE2E(t *testing.T) {
	dir := migrantCgroup(t)
	arg := fmt.Sprintf("%d", 100000+time.Now().UnixNano()%800000)
	ready := filepath.Join(t.TempDir(), "ready")
	// The root exits once the loop has forked 300 orphans, and the loop
	// goes on forking while run removes them.
	script := fmt.Sprintf(`(echo 0 > %[1]s/cgroup.procs; exec sh -c "i=0; while :; do (sleep %[2]s &); i=\$((i+1)); [ \$i != 300 ] || : > %[3]s; done") & until [ -e %[3]s ]; do :; done`, dir, arg, ready)
	r := runBin(t, nil, "run", "--grace", "1s", "--", "sh", "-c", script)
	t.Cleanup(func() { killByArg(arg) })
	if r.code != exitLeaked {
		t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitLeaked, r.stderr)
	}
	if left := withArg(arg); len(left) > 0 {
		t.Errorf("%d sleep %s survived run: %v; stderr:\n%s", len(left), arg, left, r.stderr)
	}
}

// withArg lists the live processes whose command line is "sleep arg".
func withArg(arg string) []int {
	ps, _ := proc.Snapshot(proc.Options{Fields: proc.FieldCmdline})
	var out []int
	for _, p := range ps {
		if !p.State.Gone() && strings.Join(p.Cmdline, " ") == "sleep "+arg {
			out = append(out, p.PID)
		}
	}
	return out
}

// killByArg kills what withArg lists: cleanup after a failed test.
func killByArg(arg string) {
	for _, pid := range withArg(arg) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// TestRunSparesChildrenItInheritedE2E: a shell with a background job
// exec's run; the job is run's child from the start, not the command's,
// and is left alone (before, run adopted it as a stray and killed it:
// with "exec > >(tee log)" the tee carrying run's own output).
func TestRunSparesChildrenItInheritedE2E(t *testing.T) {
	arg := strconv.FormatInt(200000+time.Now().UnixNano()%700000, 10)
	t.Cleanup(func() { killByArg(arg) })
	cmd := exec.Command("sh", "-c", `sleep "$1" </dev/null >/dev/null 2>&1 & exec "$0" run -- true`, binary(t), arg)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if left := withArg(arg); len(left) != 1 {
		t.Errorf("the shell's own sleep %s: %d alive after run, want 1\n%s", arg, len(left), out)
	}
}

// TestRunShimKilledLeavesNothingE2E: under the subreaper (what an
// unprivileged user gets), a root that starts an escapee and kills its
// shim leaves nothing behind run, whether the shim named the root first
// (the container is lost; run removes the escapee, its orphan) or not
// (Start fails; run removes what the failed start left below it, and
// says so). Before, the second way left the escapee running.
func TestRunShimKilledLeavesNothingE2E(t *testing.T) {
	if platform.Probe().Has(platform.MechanismCgroup) {
		t.Skip("run would use cgroup v2 here, whose root's parent is run itself")
	}
	for i := range 5 {
		arg := fmt.Sprintf("%d", 100000+time.Now().UnixNano()%800000+int64(i))
		script := fmt.Sprintf(`setsid sleep %s & kill -9 $PPID; exit 0`, arg)
		r := runBin(t, nil, "run", "--grace", "1s", "--", "sh", "-c", script)
		t.Cleanup(func() { killByArg(arg) })
		if left := withArg(arg); len(left) > 0 {
			t.Errorf("run %d (exit %d): the escapee sleep %s survived: %v; stderr:\n%s", i, r.code, arg, left, r.stderr)
		}
		if !strings.Contains(r.stderr, "container lost") && !strings.Contains(r.stderr, "left by the command that failed to start") {
			t.Errorf("run %d (exit %d) said nothing of the lost shim:\n%s", i, r.code, r.stderr)
		}
	}
}
