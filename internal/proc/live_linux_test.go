package proc

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/waittest"
	"golang.org/x/sys/unix"
)

func TestGetSelf(t *testing.T) {
	p, err := Get(os.Getpid(), Options{Fields: FieldAll})
	if err != nil {
		t.Fatal(err)
	}
	sid, err := unix.Getsid(0)
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	comm := filepath.Base(exe)
	if len(comm) > 15 {
		comm = comm[:15]
	}
	if p.PID != os.Getpid() || p.PPID != os.Getppid() || p.PGID != unix.Getpgrp() || p.SID != sid || p.Name != comm {
		t.Errorf("Get(self) = %+v; want pid %d ppid %d pgid %d sid %d name %q", p, os.Getpid(), os.Getppid(), unix.Getpgrp(), sid, comm)
	}
	now := time.Now().UnixMilli()
	if p.StartTimeUnixMs > now || p.StartTimeUnixMs < now-10*60*1000 {
		t.Errorf("start time %d not within the last 10 minutes of %d", p.StartTimeUnixMs, now)
	}
	if (p.State != StateRunning && p.State != StateSleeping) || p.ThreadCount < 2 || p.MemoryKB == 0 {
		t.Errorf("Get(self) state %s threads %d memory %d", p.State, p.ThreadCount, p.MemoryKB)
	}
	if p.ExePath != exe || len(p.Cmdline) == 0 || p.Cmdline[0] != os.Args[0] || p.UID != os.Geteuid() || p.User == "" {
		t.Errorf("Get(self) exe %q cmdline %q uid %d user %q", p.ExePath, p.Cmdline, p.UID, p.User)
	}
}

func TestSnapshotLive(t *testing.T) {
	a, err := Snapshot(Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Snapshot(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(a, func(x, y ProcessInfo) int { return x.PID - y.PID }) {
		t.Error("snapshot not sorted by pid")
	}
	if !containsPID(a, os.Getpid()) {
		t.Error("snapshot misses this process")
	}
	starts := map[int]int64{}
	for _, p := range a {
		starts[p.PID] = p.StartTimeUnixMs
		if p.PID == 2 && p.Name == "kthreadd" && p.PPID != 0 {
			t.Errorf("kthreadd has ppid %d", p.PPID)
		}
	}
	for _, p := range b {
		if s, ok := starts[p.PID]; ok && s != p.StartTimeUnixMs && p.PID != os.Getpid() {
			t.Errorf("pid %d start time moved between snapshots: %d -> %d (reused pid?)", p.PID, s, p.StartTimeUnixMs)
		}
	}
}

// startCat starts `cat` with two markers and no other (none inherited
// from a wrapper such as sysprims-leakcheck run), reading a pipe this test
// holds, and kills it at cleanup.
func startCat(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("cat")
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "SYSPRIMS_") })
	cmd.Env = append(cmd.Env, "SYSPRIMS_TEST="+t.Name(), "SYSPRIMS_PROCTEST=1")
	w, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start cat: %v", err)
	}
	t.Cleanup(func() {
		w.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// waitState polls pid until it reaches want or a deadline passes.
func waitState(t *testing.T, pid int, want State) ProcessInfo {
	t.Helper()
	var p ProcessInfo
	var err error
	if !waittest.Until(10*time.Second, func() bool {
		p, err = Get(pid, Options{})
		return err == nil && p.State == want
	}) {
		t.Fatalf("pid %d: state %s, err %v; want %s", pid, p.State, err, want)
	}
	return p
}

func TestLiveChild(t *testing.T) {
	cmd := startCat(t)
	pid := cmd.Process.Pid
	snap, err := Snapshot(Options{Fields: FieldCmdline | FieldMarkers | FieldExe})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(snap, func(p ProcessInfo) bool { return p.PID == pid })
	if i < 0 {
		t.Fatalf("child %d not in snapshot", pid)
	}
	if c := snap[i]; c.PPID != os.Getpid() || c.Markers["SYSPRIMS_TEST"] != t.Name() || c.Markers["SYSPRIMS_PROCTEST"] != "1" || len(c.Markers) != 2 {
		t.Errorf("child %+v", c)
	}
	if d := Descendants(snap, os.Getpid()); !slices.ContainsFunc(d, func(p ProcessInfo) bool { return p.PID == pid }) {
		t.Errorf("Descendants(self) = %v misses %d", d, pid)
	}
	kids, err := ChildrenOf(os.Getpid())
	if err != nil || !slices.Contains(kids, pid) {
		t.Errorf("ChildrenOf(self) = %v, %v; want it to hold %d", kids, err, pid)
	}
	tree, err := TreePIDs(os.Getpid())
	if err != nil || tree[0] != os.Getpid() || !slices.Contains(tree, pid) {
		t.Errorf("TreePIDs(self) = %v, %v; want it to hold %d", tree, err, pid)
	}
}

func TestLiveStoppedZombieGone(t *testing.T) {
	cmd := startCat(t)
	pid := cmd.Process.Pid
	before := waitState(t, pid, StateSleeping)
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitState(t, pid, StateStopped)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	z := waitState(t, pid, StateZombie)
	if z.StartTimeUnixMs != before.StartTimeUnixMs || !z.State.Gone() {
		t.Errorf("zombie %+v, was %+v", z, before)
	}
	cmd.Wait()
	if _, err := Get(pid, Options{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a reaped child: %v", err)
	}
	if _, err := ChildrenOf(pid); !errors.Is(err, ErrNotFound) {
		t.Errorf("ChildrenOf of a reaped child: %v", err)
	}
}

// TestStreamsAndPIDs: Streams names a child's anonymous pipes as their
// links read and a named pipe (FIFO), opened on a descriptor past 2, by
// device and inode, the same name it gives this process's end of the FIFO
// opened by another path; a regular file is left out. PIDs lists this
// process.
func TestStreamsAndPIDs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "ff")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Link(fifo, filepath.Join(dir, "other")); err != nil {
		t.Fatal(err)
	}
	ours, err := os.OpenFile(filepath.Join(dir, "other"), os.O_RDWR, 0) // O_RDWR: does not wait for a peer
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	theirs, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Close()
	plain, err := os.Create(filepath.Join(dir, "plain"))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	cmd := exec.Command("cat")
	cmd.Stdin, cmd.ExtraFiles = r, []*os.File{theirs, plain}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { w.Close(); out.Close(); _ = cmd.Wait() }()
	all, err := Files(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Streams(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	self, err := Streams(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	mine := self[int(ours.Fd())]
	if got[0] != all[0] || got[1] != all[1] || !strings.HasPrefix(got[0], "pipe:") {
		t.Errorf("Streams = %v; Files = %v: want the pipes on 0 and 1 as their links read", got, all)
	}
	if !strings.HasPrefix(mine, "fifo:[") || got[3] != mine {
		t.Errorf("the FIFO: child's fd 3 %q, this process's fd %d %q; want one fifo:[DEV:INO] name", got[3], ours.Fd(), mine)
	}
	if v, ok := got[4]; ok {
		t.Errorf("a regular file on fd 4 listed as %q", v)
	}
	if pids, err := PIDs(); err != nil || !slices.Contains(pids, os.Getpid()) {
		t.Errorf("PIDs() = %d pids, %v; want this process among them", len(pids), err)
	}
}
