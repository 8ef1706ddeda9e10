package matchers

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// testTree is a tree id minted by this test binary.
var testTree = owner.NewTreeID()

// pinfo builds a snapshot entry; tree "" means no markers.
func pinfo(pid, ppid, pgid, sid int, start int64, tree string) process.Info {
	p := process.Info{PID: pid, PPID: ppid, PGID: pgid, SID: sid, StartTimeUnixMs: start,
		State: proc.StateSleeping, Name: "proc", Cmdline: []string{"/bin/proc", "-n"}}
	if tree != "" {
		p.Markers = map[string]string{owner.EnvRunID: owner.RunID(), owner.EnvTreeID: tree, owner.EnvTest: "TestX"}
	}
	return p
}

func self() process.Info {
	return pinfo(os.Getpid(), 1, 50, 50, 1, "")
}

func zombie(p process.Info) process.Info {
	p.State = proc.StateZombie
	return p
}

func hows(orphans []orphan) map[int]string {
	m := map[int]string{}
	for _, o := range orphans {
		m[o.PID] = o.how
	}
	return m
}

func TestFindOrphansRootAlive(t *testing.T) {
	root := pinfo(200, os.Getpid(), 200, 50, 10, testTree)
	snap := []process.Info{
		self(), root,
		pinfo(201, 200, 201, 201, 11, testTree), // setsid, parent alive: inside
		pinfo(203, 1, 202, 202, 12, testTree),   // daemon
		pinfo(204, 203, 202, 202, 13, testTree), // the daemon's child
		pinfo(205, 1, 205, 50, 14, testTree),    // new group, reparented
		pinfo(206, 1, 200, 50, 15, testTree),    // reparented only
		zombie(pinfo(207, 1, 207, 207, 16, testTree)),
	}
	got := hows(findOrphans(snap, treeMembers(snap, testTree), rootFrom(root, true)))
	want := map[int]string{
		203: "escaped via setsid, reparented to pid 1 (daemonized)",
		204: "escaped via setsid, child of escaped pid 203",
		205: "new process group, reparented to pid 1 (daemonized)",
		206: "reparented to pid 1 (daemonized)",
	}
	if len(got) != len(want) {
		t.Fatalf("orphans = %v, want %v", got, want)
	}
	for pid, how := range want {
		if got[pid] != how {
			t.Errorf("pid %d: how = %q, want %q", pid, got[pid], how)
		}
	}
}

func TestFindOrphansRootGone(t *testing.T) {
	snap := []process.Info{self(), pinfo(201, 1, 200, 50, 11, testTree), pinfo(202, 1, 202, 202, 12, testTree)}
	root := treeRoot{pid: 200}.withOwnRefs(snap)
	got := hows(findOrphans(snap, treeMembers(snap, testTree), root))
	if got[201] != "reparented to pid 1 (daemonized)" {
		t.Errorf("201: %q", got[201])
	}
	if got[202] != "escaped via setsid, reparented to pid 1 (daemonized)" {
		t.Errorf("202: %q", got[202])
	}
}

func TestHelpersAreNotMembers(t *testing.T) {
	shim := pinfo(300, os.Getpid(), 300, 50, 5, testTree)
	shim.Markers[owner.EnvShim] = "1"
	snap := []process.Info{self(), shim, pinfo(301, 300, 301, 50, 6, testTree)}
	members := treeMembers(snap, testTree)
	if len(members) != 1 || members[0].PID != 301 {
		t.Fatalf("members = %v", members)
	}
	if !owner.IsHelper(shim) || owner.IsHelper(snap[2]) {
		t.Error("isHelper")
	}
}

func TestPIDTree(t *testing.T) {
	root := pinfo(200, os.Getpid(), 200, 50, 10, testTree)
	child := pinfo(201, 200, 200, 50, 11, testTree)
	stranger := pinfo(400, 1, 400, 400, 3, "")
	snap := []process.Info{self(), root, child, pinfo(203, 1, 202, 202, 12, testTree), stranger, zombie(pinfo(500, 1, 1, 1, 1, testTree))}
	members, r, err := pidTree(200, snap)
	if err != nil || !r.alive || len(members) != 3 {
		t.Fatalf("pidTree(200) = %v, %+v, %v", members, r, err)
	}
	if got := findOrphans(snap, members, r); len(got) != 1 || got[0].PID != 203 {
		t.Errorf("orphans = %v", got)
	}
	for pid, frag := range map[int]string{999: "is not running", 500: "is not running", 400: "carries no SYSPRIMS_TREE_ID", 201: "is not the root"} {
		_, _, err := pidTree(pid, snap)
		if !errors.Is(err, errNoTree) || !strings.Contains(err.Error(), frag) {
			t.Errorf("pidTree(%d) error = %v, want %q", pid, err, frag)
		}
	}
}

func TestSnapshotTree(t *testing.T) {
	root := pinfo(200, os.Getpid(), 200, 50, 10, testTree)
	child := pinfo(201, 200, 200, 50, 10, testTree) // same start ms as the root
	daemon := pinfo(203, 202, 202, 202, 12, testTree)
	listing := []process.Info{child, daemon, root}
	if got := rootOfListing(listing); got.PID != 200 {
		t.Fatalf("root = %d, want 200", got.PID)
	}
	// Later: the root lives, the daemon was reparented, the child's pid
	// was reused by a stranger.
	movedDaemon := daemon
	movedDaemon.PPID = 1
	now := []process.Info{self(), root, movedDaemon, pinfo(201, 1, 201, 201, 99, "")}
	members, r := snapshotTree(listing, now)
	got := findOrphans(now, members, r)
	if !r.alive || len(got) != 1 || got[0].PID != 203 {
		t.Fatalf("orphans = %v (root %+v)", got, r)
	}
	// The root has gone: the daemon is an orphan because the root exited.
	members, r = snapshotTree(listing, now[2:])
	if got := findOrphans(now, members, r); r.alive || len(got) != 1 || !strings.Contains(got[0].how, "reparented to pid 1") {
		t.Errorf("orphans after root exit = %v", got)
	}
	if members, _ := snapshotTree(nil, now); members != nil {
		t.Errorf("empty listing has members %v", members)
	}
}

func TestLeakJudge(t *testing.T) {
	me := os.Getpid()
	run := func(pid int, start int64, runID string) process.Info {
		p := pinfo(pid, 1, pid, pid, start, "")
		p.Markers = map[string]string{owner.EnvRunID: runID}
		return p
	}
	child := pinfo(600, me, 600, 50, 20, "") // descends from the test process
	grandchild := pinfo(601, 600, 600, 50, 21, "")
	old := pinfo(602, me, 602, 50, 2, "") // in the baseline
	shim := pinfo(603, me, 603, 50, 22, "")
	shim.Markers = map[string]string{owner.EnvGuardian: "1"}
	impostor := pinfo(604, me, 604, 604, 23, "") // a helper's marker, not a helper
	impostor.Markers = map[string]string{owner.EnvShim: "1"}
	snap := []process.Info{self(), child, grandchild, old, shim, impostor,
		run(700, 30, owner.RunID()), run(701, 31, "0badc0de"), zombie(run(702, 32, owner.RunID())), pinfo(703, 1, 703, 703, 33, "")}
	m := HaveLeakedProcesses([]process.Info{old}, IgnoringPID(601)).(*leakedMatcher)
	m.scope.Helper = func(p process.Info) bool { return p.PID == shim.PID } // as if spawned by this process
	leaked, err := m.judge(snap)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, p := range leaked {
		pids = append(pids, p.PID)
	}
	if !slices.Equal(pids, []int{600, 604, 700}) {
		t.Errorf("leaked = %v, want [600 604 700]", pids)
	}
}

// TestPIDTreeInheritedMarker: under a wrapper (sysprims-leakcheck run)
// a plain child and the test process carry the wrapper's tree marker;
// that marker names the wrapper's tree, never a tree of this binary.
func TestPIDTreeInheritedMarker(t *testing.T) {
	wrapper := map[string]string{owner.EnvRunID: "0badc0de", owner.EnvTreeID: "0badc0de-1"}
	me := self()
	me.Markers = wrapper
	child := pinfo(300, os.Getpid(), 50, 50, 5, "")
	child.Markers = wrapper
	_, _, err := pidTree(300, []process.Info{me, child})
	if !errors.Is(err, errNoTree) || !strings.Contains(err.Error(), "carries no SYSPRIMS_TREE_ID marker") {
		t.Errorf("pidTree of a plain child under a wrapper = %v", err)
	}
}
