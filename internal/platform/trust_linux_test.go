package platform

import (
	"bytes"
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
	"github.com/3leaps/sysprims-go/internal/platform/helper"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"golang.org/x/sys/unix"
)

// needCgroup skips t unless cgroup v2 leaves can be made here (root).
func needCgroup(t *testing.T) {
	t.Helper()
	if !Probe().Has(MechanismCgroup) {
		t.Skipf("cgroup v2 unavailable: %v", Probe().Notes)
	}
}

// needUnshare skips t unless a pid namespace can be made here.
func needUnshare(t *testing.T) []string {
	t.Helper()
	wrap := []string{"unshare", "--pid", "--fork", "--mount-proc"}
	if err := exec.Command(wrap[0], append(wrap[1:], "true")...).Run(); err != nil {
		t.Skipf("no pid namespaces here: %v", err)
	}
	return wrap
}

// victim makes a cgroup that looks like a live run's directory, with a
// member, for a process that must not touch it. Like a live run's caller,
// the test holds the directory's shared lock, so a sweep by another test
// binary running meanwhile leaves it alone (an unlocked one is abandoned
// by definition).
func victim(t *testing.T) (string, *exec.Cmd) {
	t.Helper()
	dir := filepath.Join(cgroupBase(Probe()), owner.RunDirPrefix+"1-victim-"+randHex())
	mkdirs(t, filepath.Join(dir, helper.GuardianLeaf), filepath.Join(dir, "1"))
	lock, err := helper.LockRunDir(dir, unix.LOCK_SH)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(lock) })
	return dir, sleepIn(t, filepath.Join(dir, "1"))
}

// assertVictimLives fails t when the victim cgroup or its member is gone.
func assertVictimLives(t *testing.T, dir string, member *exec.Cmd) {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("victim cgroup removed: %v", err)
	}
	if killedOrPending(t, member.Process.Pid) {
		t.Errorf("victim member %d killed", member.Process.Pid)
	}
}

// No binary becomes a helper because of its environment: a test binary,
// the helper and the CLI started with SYSPRIMS_GUARDIAN naming a cgroup
// (and the helper even with its mode's argv and a socket from its parent)
// leave that cgroup and its member alone.
func TestHelperModesTrustNoEnvironment(t *testing.T) {
	needCgroup(t)
	dir, member := victim(t)
	env := append(os.Environ(), owner.EnvGuardian+"="+dir)
	t.Run("test-binary", func(t *testing.T) {
		for _, extra := range []string{"", owner.EnvShim + "=3 " + strconv.Itoa(os.Getpid())} {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(env, extra)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Logf("%v: %s", err, out)
			}
			assertVictimLives(t, dir, member)
		}
	})
	exe, err := helperPath()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("helper-socket-from-parent", func(t *testing.T) {
		_, theirs, err := ctlPair()
		if err != nil {
			t.Fatal(err)
		}
		defer theirs.Close()
		refused(t, exe, env, []*os.File{theirs}, helper.ModeGuardian, dir)
		assertVictimLives(t, dir, member)
	})
	t.Run("helper-no-socket", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		refused(t, exe, env, []*os.File{r}, helper.ModeGuardian, dir)
		mark := filepath.Join(t.TempDir(), "ran")
		refused(t, exe, env, []*os.File{r}, helper.ModeShim, owner.EnvShim, "0", "/bin/sh", "sh", "-c", "touch "+mark)
		if _, err := os.Stat(mark); err == nil {
			t.Error("a shim without its parent's socket ran its command")
		}
		assertVictimLives(t, dir, member)
	})
	t.Run("cli", func(t *testing.T) {
		cli := filepath.Join(t.TempDir(), "sysprims-leakcheck")
		if out, err := exec.Command("go", "build", "-o", cli, "../../cmd/sysprims-leakcheck").CombinedOutput(); err != nil {
			t.Skipf("cannot build the CLI: %v: %s", err, out)
		}
		cmd := exec.Command(cli, "help")
		cmd.Env = env
		if err := cmd.Run(); err != nil {
			t.Errorf("help: %v", err)
		}
		refused(t, cli, env, nil, helper.ModeGuardian, dir)
		assertVictimLives(t, dir, member)
	})
}

// refused runs exe with args and files and checks that it refuses (exit 2).
func refused(t *testing.T, exe string, env []string, files []*os.File, args ...string) {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.Env, cmd.ExtraFiles = env, files
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(stderr.String(), "refused") {
		t.Errorf("%s %v: %v, stderr %q; want a refusal", exe, args, err, stderr.String())
	}
}

// A sweep from another pid namespace leaves a live run alone: the run's
// owner pid means nothing there.
func TestSweepFromAnotherPidNamespace(t *testing.T) {
	needCgroup(t)
	wrap := needUnshare(t)
	c := newCgroup(t)
	tt := startScript(t, c, "sleep 300 & echo $!; echo ready; wait", 1)
	cmd := exec.Command(wrap[0], append(wrap[1:], os.Args[0], "-test.run=^$")...)
	cmd.Env = append(os.Environ(), envMode+"=sweep")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sweeper: %v: %s", err, out)
	}
	if dead := killedMembers(t, tt); len(dead) > 0 {
		t.Fatalf("a sweep from another pid namespace killed members %v of a live run", dead)
	}
	if _, err := os.Stat(c.leaf); err != nil {
		t.Fatalf("live leaf removed: %v", err)
	}
}

// A caller running as pid 1 of a pid namespace dies with its namespace,
// helpers and all; its run directory is then stale, and the next sweep
// removes it.
func TestPid1RunLeavesNothing(t *testing.T) {
	needCgroup(t)
	c := startCaller(t, string(MechanismCgroup)+":exit", needUnshare(t)...)
	if c.tt.rundir == "" {
		t.Fatal("the caller did not say its run directory")
	}
	clear(c.tt.pids) // pids of another namespace: the tag finds the members
	c.in.Write([]byte("go\n"))
	c.cmd.Wait()
	c.tt.waitNoSurvivors(t, 5*time.Second)
	sweep(cgroupBase(Probe()))
	if _, err := os.Stat(c.tt.rundir); !os.IsNotExist(err) {
		t.Fatalf("run directory of a pid-1 caller left after a sweep: %v", err)
	}
}

// killedMembers lists the reported members of tt that are dead or dying.
func killedMembers(t *testing.T, tt *testTree) []int {
	var out []int
	for pid := range tt.pids {
		if killedOrPending(t, pid) {
			out = append(out, pid)
		}
	}
	return out
}

// guardianOf waits for the live guardian of caller's run directory other
// than not, and returns its pid.
func guardianOf(t *testing.T, caller, not int) int {
	t.Helper()
	found := 0
	waittest.Until(5*time.Second, func() bool {
		for _, pid := range helpersOf(caller) {
			if _, ok := markersOf(pid)[owner.EnvGuardian]; pid != not && ok {
				found = pid
				return true
			}
		}
		return false
	})
	if found == 0 {
		t.Fatalf("no guardian of caller %d (other than %d)", caller, not)
	}
	return found
}

// kill -9 of the guardian is noticed: its caller says so and starts a new
// one, so a later crash of the caller still leaves nothing.
func TestGuardianKilledIsReplaced(t *testing.T) {
	needCgroup(t)
	c := startCaller(t, string(MechanismCgroup))
	old := guardianOf(t, c.cmd.Process.Pid, 0)
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	guardianOf(t, c.cmd.Process.Pid, old)
	// The caller reports the death once the new guardian answered.
	c.stderr.waitFor(t, "guardian "+strconv.Itoa(old), "replaced by guardian")
	c.end(t)
}

// kill -TERM of the guardian changes nothing: a guardian ignores signals
// and cleans up only when its caller is gone.
func TestGuardianIgnoresTerm(t *testing.T) {
	needCgroup(t)
	c := startCaller(t, string(MechanismCgroup))
	g := guardianOf(t, c.cmd.Process.Pid, 0)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		if !ignores(t, g, sig) {
			t.Errorf("guardian %d does not ignore %v", g, sig)
		}
		if err := syscall.Kill(g, sig); err != nil {
			t.Fatal(err)
		}
	}
	// An ignored signal is discarded when sent: nothing can follow from it.
	if dead := killedMembers(t, c.tt); len(dead) > 0 || killedOrPending(t, g) {
		t.Fatalf("signals to the guardian killed members %v", dead)
	}
	c.end(t)
}

// ignores reports whether pid's SigIgn mask holds sig.
func ignores(t *testing.T, pid int, sig syscall.Signal) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			mask, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return mask&(1<<(uint(sig)-1)) != 0
		}
	}
	return false
}

// The helper is built once, however many processes ask at the same time,
// into a directory only this uid can write.
func TestHelperBuiltOnceUnderLock(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the helper")
	}
	home := t.TempDir()
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envMode+"=helperpath", "HOME="+home, "XDG_CACHE_HOME=")
		if os.Getenv("GOCACHE") == "" {
			cmd.Env = append(cmd.Env, "GOCACHE="+goEnv(t, "GOCACHE"))
		}
		out := new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	var got []string
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%v: %s", err, outs[i])
		}
		got = append(got, strings.TrimSpace(outs[i].String()))
	}
	if len(slices.Compact(slices.Clone(got))) != 1 {
		t.Fatalf("helpers differ: %q", got)
	}
	dir := filepath.Join(home, ".cache", "sysprims-go")
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache dir %s: %v %v", dir, fi.Mode(), err)
	}
}

// helperIdentity says which helper this process would start: path and
// inode (a second build would have renamed a new inode into place).
func helperIdentity() (string, error) {
	exe, err := helperPath()
	if err != nil {
		return "", err
	}
	var st unix.Stat_t
	if err := unix.Stat(exe, &st); err != nil {
		return "", err
	}
	return exe + " " + strconv.FormatUint(st.Ino, 10), nil
}

func goEnv(t *testing.T, key string) string {
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		t.Skipf("go env: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// A helper, its directory or the cache directory that another user owns
// or could write is refused before any start.
func TestHelperOwnershipChecks(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "helper")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o700)
	if err := checkHelper(exe); err != nil {
		t.Fatalf("a private helper refused: %v", err)
	}
	for _, c := range []struct {
		path string
		mode os.FileMode
		want string
	}{{exe, 0o720, "writable"}, {exe, 0o600, "not an executable"}, {dir, 0o777, "writable"}} {
		os.Chmod(c.path, c.mode)
		if err := checkHelper(exe); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("mode %o on %s: %v, want %q", c.mode, c.path, err, c.want)
		}
		os.Chmod(c.path, 0o700)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(exe, link)
	if err := checkHelper(link); err == nil {
		t.Error("a symlinked helper accepted")
	}
	if os.Getuid() == 0 {
		os.Chown(exe, 1, 1)
		if err := checkHelper(exe); err == nil || !strings.Contains(err.Error(), "owned by uid 1") {
			t.Errorf("a helper of uid 1: %v", err)
		}
	}
}

// The helper program as built is what the ownership guard takes for
// helper code (owner.HelperExe): the two agree on its name.
func TestHelperPathIsHelperExe(t *testing.T) {
	path, err := helperPath()
	if err != nil {
		t.Skipf("no helper here: %v", err)
	}
	if !selfHelper.Load() && !owner.HelperExe(path) {
		t.Errorf("owner.HelperExe(%q) = false for the helper as built", path)
	}
}
