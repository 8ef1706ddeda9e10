//go:build linux

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

func TestCgroupSweepsDeadOwners(t *testing.T) {
	if !Probe().Has(MechanismCgroup) {
		t.Skip("cgroup v2 unavailable")
	}
	// A dead owner: a reaped child's pid.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	base := cgroupBase(Probe())
	stale := filepath.Join(base, runDirPrefix+strconv.Itoa(dead.Process.Pid)+"-test")
	leaf := filepath.Join(stale, "1")
	if err := os.MkdirAll(leaf, 0o755); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Open(leaf, syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	sleeper := exec.Command("sleep", "300")
	sleeper.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	err = sleeper.Start()
	syscall.Close(fd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait(); removeCgroup(stale) })
	sweep(base)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale run dir kept: %v", err)
	}
	sleeper.Wait()
	if ws := sleeper.ProcessState.Sys().(syscall.WaitStatus); ws.Signal() != syscall.SIGKILL {
		t.Errorf("stale member ended %v", sleeper.ProcessState)
	}
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
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "status"))
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
