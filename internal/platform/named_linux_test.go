package platform

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// inherited are markers of another run, as a wrapper such as
// sysprims-leakcheck run passes them to everything below it.
var inherited = []string{owner.EnvRunID + "=0badc0de", owner.EnvTreeID + "=0badc0de-1"}

// startPlain starts script as a plain child (no container) carrying the
// inherited markers, and reads its pids.
func startPlain(t *testing.T, script string, want int) (*testTree, *exec.Cmd) {
	t.Helper()
	tt := &testTree{tag: newTag(), pids: make(map[int]int64)}
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(append(os.Environ(), inherited...), "SYSPRIMS_PTEST="+tt.tag)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// A member the test's container just SIGKILLed may still be
		// exiting: only one alive after the wait is a leftover.
		waittest.Until(5*time.Second, func() bool { return len(tt.survivors()) == 0 })
		for _, pid := range tt.survivors() {
			t.Errorf("cleanup: killing leftover %s", describe([]int{pid}))
			syscall.Kill(pid, syscall.SIGKILL)
		}
		cmd.Process.Kill()
		cmd.Wait()
	})
	tt.lines = newLineScanner(out)
	tt.read(t, want)
	return tt, cmd
}

// startSibling starts a process outside the tree that carries the same
// inherited markers: it must survive.
func startSibling(t *testing.T) *exec.Cmd {
	t.Helper()
	sib := exec.Command("sleep", "300")
	sib.Env = append(os.Environ(), inherited...)
	if err := sib.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sib.Process.Kill(); sib.Wait() })
	return sib
}

func TestNamedTreeFreezesAndKills(t *testing.T) {
	tt, root := startPlain(t, advScript, advPIDs)
	sib := startSibling(t)
	c, err := NewNamed(root.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Mechanism() != MechanismNamed || c.Reliability() != BestEffort || c.PID() != root.Process.Pid {
		t.Errorf("named tree: %s %s pid %d", c.Mechanism(), c.Reliability(), c.PID())
	}
	ms, _ := c.Members()
	for pid := range tt.pids {
		if !contains(ms, pid) {
			t.Errorf("member %d missing from %v", pid, ms)
		}
		if !stoppedOrGone(mustID(t, pid)) {
			t.Errorf("member %d not stopped after NewNamed", pid)
		}
	}
	if contains(ms, sib.Process.Pid) || contains(ms, os.Getpid()) {
		t.Fatalf("the inherited marker widened the tree: %v", ms)
	}
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("Signal: %v", err)
	}
	ctx, cancel := ctxFor(200 * time.Millisecond)
	defer cancel()
	if c.WaitEmpty(ctx) == nil {
		t.Fatal("a tree with a TERM-ignoring member emptied on SIGTERM")
	}
	if err := c.Kill(); err != nil {
		t.Errorf("Kill: %v", err)
	}
	mustEmpty(t, c)
	tt.waitNoSurvivors(t, 5*time.Second)
	if p, err := proc.Get(sib.Process.Pid, proc.Options{}); err != nil || p.State.Gone() {
		t.Errorf("the sibling carrying the same marker was killed: %v %v", p.State, err)
	}
	if c.Refused() != nil {
		t.Errorf("refused: %v", c.Refused())
	}
}

func mustID(t *testing.T, pid int) proc.Identity {
	t.Helper()
	p, err := proc.Get(pid, proc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID()
}

func TestNamedTreeRefuses(t *testing.T) {
	for _, pid := range []int{0, -1, 1, os.Getpid(), os.Getppid()} {
		if _, err := NewNamed(pid); !errors.Is(err, owner.ErrProtected) {
			t.Errorf("NewNamed(%d) = %v, want ErrProtected", pid, err)
		}
	}
	if _, err := NewNamed(1 << 22); !errors.Is(err, proc.ErrNotFound) {
		t.Errorf("NewNamed(no such pid) = %v", err)
	}
	// A process with a helper's marker below the named root is left
	// alone, and so is what runs below it; the rest of the tree goes. It
	// is no helper of a live run (its SYSPRIMS_SHIM names no parent), and
	// Refused says so rather than call it a helper.
	script := `sleep 300 & echo $!
SYSPRIMS_SHIM=fake sh -c 'sleep 300 & echo $!; echo $$; exec sleep 301' &
echo ready
wait`
	tt, root := startPlain(t, script, 3)
	c, err := NewNamed(root.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(); err != nil {
		t.Error(err)
	}
	mustEmpty(t, c)
	c.Close()
	refused := c.Refused()
	if refused == nil || !strings.Contains(refused.Error(), "carries a sysprims helper marker but is not a helper of a live run") {
		t.Errorf("Refused() = %v", refused)
	}
	alive := 0
	for pid, start := range tt.pids {
		if s, ok := liveStart(pid); ok && s == start {
			alive++
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if alive != 2 {
		t.Errorf("%d of the helper and its child alive, want 2", alive)
	}
	tt.waitNoSurvivors(t, 5*time.Second)
}

func TestNamedTreeInOwnContainer(t *testing.T) {
	c := mustNew(t, Spec{Mechanism: MechanismSubreaper}, Guaranteed)
	tt := startScript(t, c, "sleep 300 & echo $!; echo ready; wait", 1)
	root, err := proc.Get(c.PID(), proc.Options{Fields: proc.FieldMarkers})
	if err != nil {
		t.Fatal(err)
	}
	if !Holds(root) {
		t.Error("Holds: the root of this process's shim tree is not held")
	}
	snap, _ := proc.Snapshot(proc.Options{})
	if held := HeldIn(snap); !held(root) {
		t.Error("HeldIn: the root of this process's shim tree is not held")
	}
	if err := owner.NewGuard().Refuse(root, owner.Descendant); !errors.Is(err, owner.ErrProtected) {
		t.Errorf("a scan may signal inside a container: %v", err)
	}
	named, err := NewNamed(c.PID())
	if err != nil {
		t.Fatalf("a named pid in this process's own container refused: %v", err)
	}
	if err := named.Kill(); err != nil {
		t.Error(err)
	}
	mustEmpty(t, named)
	tt.waitNoSurvivors(t, 5*time.Second)
	self, _ := proc.Get(os.Getpid(), proc.Options{})
	if Holds(self) {
		t.Error("the caller is held by its own container")
	}
}

func TestNamedTreeCannotStartOrWait(t *testing.T) {
	_, root := startPlain(t, "echo ready; exec sleep 300", 0)
	c, err := NewNamed(root.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Wait(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Wait = %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Start did not panic")
		}
	}()
	c.Start(exec.Command("true"))
}
