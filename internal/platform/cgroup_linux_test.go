package platform

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform/helper"
)

func newCgroup(t testing.TB) *cgroupContainer {
	t.Helper()
	if !Probe().Has(MechanismCgroup) {
		t.Skipf("cgroup v2 unavailable: %v", Probe().Notes)
	}
	return mustNew(t, Spec{Mechanism: MechanismCgroup, Name: "t/" + t.Name()}, Guaranteed).(*cgroupContainer)
}

func TestCgroupKillAdversarialTree(t *testing.T) {
	c := newCgroup(t)
	tt := startScript(t, c, advScript, advPIDs)
	assertHeld(t, c, tt)
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	mustEmpty(t, c)
	tt.waitNoSurvivors(t, time.Second)
	if st, err := c.Wait(); st.Signal != syscall.SIGKILL {
		t.Errorf("root: %+v %v", st, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.leaf); !os.IsNotExist(err) {
		t.Errorf("leaf %s not removed: %v", c.leaf, err)
	}
}

func TestCgroupHoldsEnvDroppingDaemon(t *testing.T) {
	c := newCgroup(t)
	tt := startScript(t, c, dropEnvDaemon, 3)
	if st, err := c.Wait(); err != nil || st.Code != 0 {
		t.Fatalf("root: %+v %v", st, err)
	}
	assertHeld(t, c, tt)
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	mustEmpty(t, c)
	tt.waitNoSurvivors(t, time.Second)
}

func TestCgroupCallerKilled(t *testing.T) {
	if !Probe().Has(MechanismCgroup) {
		t.Skip("cgroup v2 unavailable")
	}
	testCallerKilled(t, MechanismCgroup)
}

// A sweep removes a run directory whose lock nobody holds (caller and
// guardian gone) and kills its members; it leaves alone one whose lock is
// held (whatever its name says) and one without a guardian leaf (not yet
// set up, or not of this format).
func TestCgroupSweepsOnlyStaleRunDirs(t *testing.T) {
	if !Probe().Has(MechanismCgroup) {
		t.Skip("cgroup v2 unavailable")
	}
	base := cgroupBase(Probe())
	stale := filepath.Join(base, owner.RunDirPrefix+"1-stale-"+randHex())
	mkdirs(t, filepath.Join(stale, helper.GuardianLeaf), filepath.Join(stale, "1"))
	bare := filepath.Join(base, owner.RunDirPrefix+"1-bare-"+randHex())
	mkdirs(t, filepath.Join(bare, "1"))
	live, lock, err := makeRunDir(base)
	if err != nil {
		t.Fatal(err)
	}
	mkdirs(t, filepath.Join(live, "1"))
	t.Cleanup(func() { syscall.Close(lock) })
	victims := []*exec.Cmd{sleepIn(t, filepath.Join(stale, "1")), sleepIn(t, filepath.Join(bare, "1")), sleepIn(t, filepath.Join(live, "1"))}
	sweep(base)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale run dir kept: %v", err)
	}
	victims[0].Wait()
	if ws := victims[0].ProcessState.Sys().(syscall.WaitStatus); ws.Signal() != syscall.SIGKILL {
		t.Errorf("stale member ended %v", victims[0].ProcessState)
	}
	for _, v := range victims[1:] {
		if killedOrPending(t, v.Process.Pid) {
			t.Errorf("member %d of a live or unjudged run dir was killed", v.Process.Pid)
		}
	}
}

// mkdirs makes each directory and removes it (as a cgroup) at cleanup.
func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		top := d
		for filepath.Dir(top) != cgroupBase(Probe()) {
			top = filepath.Dir(top)
		}
		t.Cleanup(func() { removeCgroup(top) })
	}
}

// sleepIn starts sleep 300 inside the cgroup dir; cleanup kills it.
func sleepIn(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	fd, err := syscall.Open(dir, syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	cmd := exec.Command("sleep", "300")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// A pid that cgroup.procs listed but that now names a process outside the
// leaf (reused) is not signalled; a member is, and its pidfd is kept.
func TestCgroupSignalsOnlyLeafMembers(t *testing.T) {
	c := newCgroup(t)
	tt := startScript(t, c, "sleep 300 & echo $!; echo ready; wait", 1)
	outsider := exec.Command("sleep", "300")
	if err := outsider.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = outsider.Process.Kill(); _ = outsider.Wait() }()
	pids := []int{outsider.Process.Pid}
	for pid := range tt.pids {
		pids = append(pids, pid)
	}
	sent := make(map[int]bool)
	if _, err := c.signalConfirmed(pids, []syscall.Signal{syscall.SIGKILL}, sent); err != nil {
		t.Fatal(err)
	}
	if killedOrPending(t, outsider.Process.Pid) || sent[outsider.Process.Pid] {
		t.Fatal("a process outside the leaf was signalled")
	}
	if held, _ := c.SignalHeld(outsider.Process.Pid, 0); held {
		t.Error("a pidfd was kept for a process outside the leaf")
	}
	tt.waitNoSurvivors(t, 2*time.Second)
	if len(sent) != len(tt.pids) {
		t.Errorf("sent to %v, want the %d members", sent, len(tt.pids))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// killedOrPending reports whether pid is gone, a zombie, or has SIGKILL
// pending. kill(2) queues the signal before it returns, so right after a
// SIGKILL was sent one of these holds.
func killedOrPending(t *testing.T, pid int) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return true
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "State":
			if strings.HasPrefix(v, "Z") || strings.HasPrefix(v, "X") {
				return true
			}
		case "SigPnd", "ShdPnd":
			mask, err := strconv.ParseUint(v, 16, 64)
			if err != nil {
				t.Fatalf("%s: %q", k, v)
			}
			if mask&(1<<(uint(syscall.SIGKILL)-1)) != 0 {
				return true
			}
		}
	}
	return false
}
