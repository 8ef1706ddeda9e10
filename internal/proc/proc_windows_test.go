package proc

// Windows snapshot tests, run under Wine by scripts/wine-test.sh. They
// check the Toolhelp32 fields against what the test knows independently:
// its own pid and image, a child it started itself, and the thread count
// from a separate TH32CS_SNAPTHREAD walk.

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/3leaps/sysprims-go/internal/waittest"
	"golang.org/x/sys/windows"
)

const winProcModeEnv = "SYSPRIMS_WINTEST_PROC"

func init() {
	if os.Getenv(winProcModeEnv) != "sleeper" {
		return
	}
	fmt.Println("ready", os.Getpid())
	time.Sleep(time.Hour) // its behaviour: stay alive until killed
	os.Exit(0)
}

// startSleeper re-executes the test binary as a child that stays alive
// and returns once it reported ready; it is killed at the end of the test.
func startSleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), winProcModeEnv+"=sleeper")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan bool, 1)
	go func() { ready <- bufio.NewScanner(out).Scan() }()
	bound := waittest.Scale(60 * time.Second)
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("sleeper exited before it was ready")
		}
	case <-time.After(bound):
		t.Fatalf("sleeper not ready after %v", bound)
	}
	return cmd
}

// ownImage is the base name of the test binary, as Toolhelp32 reports it.
func ownImage(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe[strings.LastIndexAny(exe, `\/`)+1:]
}

// threadCount counts pid's threads with a thread snapshot.
func threadCount(t *testing.T, pid int) int {
	t.Helper()
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(snap)
	n := 0
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if int(te.OwnerProcessID) == pid {
			n++
		}
	}
	return n
}

func TestWindowsGetSelf(t *testing.T) {
	before := time.Now()
	p, err := Get(os.Getpid(), Options{Fields: FieldExe | FieldUser | FieldCPU})
	if err != nil {
		t.Fatalf("Get(self): %v", err)
	}
	if p.PID != os.Getpid() || !strings.EqualFold(p.Name, ownImage(t)) {
		t.Errorf("Get(self) = pid %d name %q, want %d %q", p.PID, p.Name, os.Getpid(), ownImage(t))
	}
	if p.PPID != os.Getppid() {
		t.Errorf("ppid %d, want os.Getppid() %d", p.PPID, os.Getppid())
	}
	if want := threadCount(t, p.PID); p.ThreadCount < 2 || abs(p.ThreadCount-want) > 4 {
		t.Errorf("thread_count %d, thread snapshot says %d", p.ThreadCount, want)
	}
	if p.State != StateRunning || p.PGID != 0 || p.SID != 0 {
		t.Errorf("state %s pgid %d sid %d, want running 0 0", p.State, p.PGID, p.SID)
	}
	if start := time.UnixMilli(p.StartTimeUnixMs); start.After(before) || before.Sub(start) > time.Hour {
		t.Errorf("start time %v is not shortly before %v", start, before)
	}
	if p.MemoryKB == 0 {
		t.Error("memory_kb is 0")
	}
	if exe, _ := os.Executable(); !strings.EqualFold(p.ExePath, exe) {
		t.Errorf("exe_path %q, want %q", p.ExePath, exe)
	}
	if p.User == "" {
		t.Error("user is empty")
	}
	t.Logf("self: %s threads %d mem %d KiB user %q exe %q", p, p.ThreadCount, p.MemoryKB, p.User, p.ExePath)
}

func TestWindowsSnapshotChild(t *testing.T) {
	child := startSleeper(t)
	pid := child.Process.Pid
	snap, err := Snapshot(Options{})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if !slices.IsSortedFunc(snap, func(a, b ProcessInfo) int { return a.PID - b.PID }) {
		t.Error("snapshot is not sorted by pid")
	}
	c, ok := findPID(snap, pid)
	if !ok {
		t.Fatalf("child %d not in a snapshot of %d processes", pid, len(snap))
	}
	if c.PPID != os.Getpid() || !strings.EqualFold(c.Name, ownImage(t)) || c.ThreadCount < 1 {
		t.Errorf("child = %s threads %d; want ppid %d name %q", c, c.ThreadCount, os.Getpid(), ownImage(t))
	}
	if self, _ := findPID(snap, os.Getpid()); c.StartTimeUnixMs < self.StartTimeUnixMs {
		t.Errorf("child started at %d, before its parent (%d)", c.StartTimeUnixMs, self.StartTimeUnixMs)
	}
	if d := Descendants(snap, os.Getpid()); !slices.ContainsFunc(d, func(p ProcessInfo) bool { return p.PID == pid }) {
		t.Errorf("Descendants(self) = %v, want the child %d", d, pid)
	}
	kids, err := ChildrenOf(os.Getpid())
	if err != nil || !slices.Contains(kids, pid) {
		t.Errorf("ChildrenOf(self) = %v, %v; want %d in it", kids, err, pid)
	}
	tree, err := TreePIDs(os.Getpid())
	if err != nil || len(tree) < 2 || tree[0] != os.Getpid() || !slices.Contains(tree, pid) {
		t.Errorf("TreePIDs(self) = %v, %v; want self first, then %d", tree, err, pid)
	}
}

func TestWindowsGetGone(t *testing.T) {
	child := startSleeper(t)
	pid := child.Process.Pid
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	var err error
	if !waittest.Until(10*time.Second, func() bool {
		_, err = Get(pid, Options{})
		return errors.Is(err, ErrNotFound)
	}) {
		t.Fatalf("Get(%d) after kill = %v, want ErrNotFound", pid, err)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
