package proc

import (
	"errors"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// fixtureRoot is a recorded /proc tree; testdata/etc/passwd goes with it.
const fixtureRoot = "testdata/proc"

// btimeMs is the btime line of testdata/proc/stat in ms.
const btimeMs = 1700000000 * 1000

func pageKB() uint64 { return uint64(os.Getpagesize() / 1024) }

func TestSnapshotFixture(t *testing.T) {
	snap, err := Snapshot(Options{Root: fixtureRoot})
	if err != nil {
		t.Fatal(err)
	}
	want := []ProcessInfo{
		{PID: 1, PPID: 0, PGID: 1, SID: 1, Name: "systemd", State: StateSleeping, StartTimeUnixMs: btimeMs + 50, ThreadCount: 1, MemoryKB: 3000 * pageKB()},
		{PID: 2, PPID: 0, PGID: 0, SID: 0, Name: "kthreadd", State: StateSleeping, StartTimeUnixMs: btimeMs + 300, ThreadCount: 1, KernelThread: true},
		{PID: 3, PPID: 2, Name: "kworker/u8:1-events_unbound", State: StateIdle, StartTimeUnixMs: btimeMs + 400, ThreadCount: 1, KernelThread: true},
		{PID: 100, PPID: 1, PGID: 100, SID: 100, Name: "(sd-pam) x)", State: StateSleeping, StartTimeUnixMs: btimeMs + 200000, ThreadCount: 2, MemoryKB: 1250 * pageKB()},
		{PID: 200, PPID: 1, PGID: 200, SID: 1, Name: "defunct", State: StateZombie, StartTimeUnixMs: btimeMs + 300000, ThreadCount: 1},
		{PID: 300, PPID: 100, PGID: 300, SID: 100, Name: "sleep", State: StateStopped, StartTimeUnixMs: btimeMs + 500000, ThreadCount: 1, MemoryKB: 200 * pageKB()},
		{PID: 301, PPID: 100, PGID: 301, SID: 301, Name: "gdb target", State: StateTracing, StartTimeUnixMs: btimeMs + 600000, ThreadCount: 3, MemoryKB: 100 * pageKB()},
		{PID: 500, PPID: 1, PGID: 500, SID: 500, Name: "dd", State: StateDiskSleep, StartTimeUnixMs: btimeMs + 800000, ThreadCount: 1, MemoryKB: 4096 * pageKB()},
		{PID: 501, PPID: 500, PGID: 500, SID: 500, Name: "x", State: StateDead, StartTimeUnixMs: btimeMs + 800010, ThreadCount: 1},
		{PID: 502, PPID: 501, PGID: 500, SID: 500, Name: "w", State: StateUnknown, StartTimeUnixMs: btimeMs + 800020, ThreadCount: 1},
		// Its main thread exited while thread 601 sleeps: alive, not a zombie.
		{PID: 600, PPID: 1, PGID: 600, SID: 600, Name: "zl", State: StateSleeping, StartTimeUnixMs: btimeMs + 900000, ThreadCount: 2},
	}
	if len(snap) != len(want) {
		t.Fatalf("got %d processes, want %d: %v", len(snap), len(want), snap)
	}
	for i := range want {
		if !reflect.DeepEqual(snap[i], want[i]) {
			t.Errorf("process %d:\n got %+v\nwant %+v", want[i].PID, snap[i], want[i])
		}
	}
}

func TestSnapshotFixtureExtraFields(t *testing.T) {
	snap, err := Snapshot(Options{Root: fixtureRoot, Fields: FieldAll})
	if err != nil {
		t.Fatal(err)
	}
	byPID := map[int]ProcessInfo{}
	for _, p := range snap {
		byPID[p.PID] = p
	}
	tests := []struct {
		pid     int
		cmdline []string
		exe     string
		user    string
		uid     int
		markers map[string]string
	}{
		{1, []string{"/sbin/init", "splash"}, "/usr/lib/systemd/systemd", "root", 0, nil},
		{2, nil, "", "root", 0, nil},
		{3, nil, "", "", 0, nil}, // no status file: no user
		{100, []string{"(sd-pam)"}, "", "root", 0, map[string]string{"SYSPRIMS_RUN_ID": "run42"}},
		{200, nil, "", "alice", 1000, nil},
		{300, []string{"sleep", "300", "with space"}, "", "alice", 1000,
			map[string]string{"SYSPRIMS_RUN_ID": "run42", "SYSPRIMS_TREE_ID": "run42-1", "SYSPRIMS_TEST": "TestX/sub"}},
		{301, []string{"./target"}, "", "4242", 4242, nil},
	}
	for _, tt := range tests {
		p := byPID[tt.pid]
		if !reflect.DeepEqual(p.Cmdline, tt.cmdline) || p.ExePath != tt.exe || p.User != tt.user || p.UID != tt.uid || !reflect.DeepEqual(p.Markers, tt.markers) {
			t.Errorf("pid %d: cmdline %q exe %q user %q uid %d markers %v\nwant cmdline %q exe %q user %q uid %d markers %v",
				tt.pid, p.Cmdline, p.ExePath, p.User, p.UID, p.Markers, tt.cmdline, tt.exe, tt.user, tt.uid, tt.markers)
		}
	}
	// pid 1: 400 ticks of cpu over 100057-5 ticks of life, shared by all CPUs.
	want := 400.0 * 100 / (100057 - 5) / float64(runtime.NumCPU())
	if got := byPID[1].CPUPercent; got < want*0.999 || got > want*1.001 {
		t.Errorf("cpu_percent of pid 1 = %v, want %v", got, want)
	}
	if got := byPID[200].CPUPercent; got <= 0 {
		t.Errorf("cpu_percent of pid 200 = %v, want > 0", got)
	}
}

func TestGetFixture(t *testing.T) {
	p, err := Get(100, Options{Root: fixtureRoot, Fields: FieldCmdline})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "(sd-pam) x)" || p.PPID != 1 || !reflect.DeepEqual(p.Cmdline, []string{"(sd-pam)"}) {
		t.Errorf("Get(100) = %+v", p)
	}
	for _, pid := range []int{400, 999, 0, -3} {
		if _, err := Get(pid, Options{Root: fixtureRoot}); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%d) error %v, want ErrNotFound", pid, err)
		}
	}
}

func TestSnapshotFixtureErrors(t *testing.T) {
	tests := []struct {
		root, want string
	}{
		{"testdata/badproc", "malformed /proc stat line"},
		{"testdata/nobtime", "no btime line"},
		{"testdata/none", "boot time"},
	}
	for _, tt := range tests {
		_, err := Snapshot(Options{Root: tt.root})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "sysprims: ") {
			t.Errorf("Snapshot(%s) error %v, want %q", tt.root, err, tt.want)
		}
	}
	if _, err := Get(7, Options{Root: "testdata/badproc"}); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Get on a malformed stat: %v", err)
	}
	if _, err := Snapshot(Options{Root: "testdata/nobtime", Fields: FieldCPU}); err == nil {
		t.Error("no error without btime")
	}
}

func TestChildrenFixture(t *testing.T) {
	tests := []struct {
		pid  int
		want []int
	}{
		{1, []int{100, 200, 500}},
		{2, []int{3}},
		{100, []int{300, 301}}, // one child per thread's children file
		{300, nil},
		{500, []int{501}}, // no children files: parent links of a snapshot
		{502, nil},
	}
	for _, tt := range tests {
		got, err := childrenOf(fixtureRoot, tt.pid)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("childrenOf(%d) = %v, %v; want %v", tt.pid, got, err, tt.want)
		}
	}
	for _, pid := range []int{400, 999} {
		if _, err := childrenOf(fixtureRoot, pid); !errors.Is(err, ErrNotFound) {
			t.Errorf("childrenOf(%d) error %v, want ErrNotFound", pid, err)
		}
	}
}

func TestTreePIDsFixture(t *testing.T) {
	tests := []struct {
		pid  int
		want []int
	}{
		{1, []int{1, 100, 200, 500, 300, 301}}, // 500 has no children files: its subtree is not walked
		{100, []int{100, 300, 301}},
		{2, []int{2, 3}},
		{500, []int{500, 501, 502}}, // fallback: parent links of one snapshot
	}
	for _, tt := range tests {
		got, err := treePIDs(fixtureRoot, tt.pid)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("treePIDs(%d) = %v, %v; want %v", tt.pid, got, err, tt.want)
		}
	}
	if _, err := treePIDs(fixtureRoot, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("treePIDs(999) error %v, want ErrNotFound", err)
	}
	if _, err := treePIDs("testdata/nobtime", 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("treePIDs on a root without pids: %v", err)
	}
}

// A process whose main thread exited while another runs has its command
// line and environment read through the live thread (its own files read
// empty): pid 600 of the fixture.
func TestSnapshotFixtureZombieLeaderFiles(t *testing.T) {
	snap, err := Snapshot(Options{Root: fixtureRoot, Fields: FieldCmdline | FieldMarkers})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range snap {
		if p.PID != 600 {
			continue
		}
		if p.State.Gone() || !reflect.DeepEqual(p.Cmdline, []string{"zl", "-d"}) || p.Markers["SYSPRIMS_TEST"] != "zl" {
			t.Errorf("pid 600: state %v, cmdline %q, markers %v; want alive, zl -d, SYSPRIMS_TEST=zl", p.State, p.Cmdline, p.Markers)
		}
		return
	}
	t.Error("pid 600 missing")
}
