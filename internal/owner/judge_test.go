package owner

import (
	"strings"
	"testing"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

func marked(test string) map[string]string {
	return map[string]string{EnvRunID: RunID(), EnvTreeID: RunID() + "-1", EnvTest: test}
}

func TestJudge(t *testing.T) {
	const self = 100
	snap := []process.Info{
		{PID: 1}, {PID: 50, PPID: 1}, // 50: in the baseline
		{PID: self, PPID: 50},
		{PID: 101, PPID: self, Markers: marked("TestA")},                             // A's, below us
		{PID: 102, PPID: 1, Markers: marked("TestA")},                                // A's, escaped to init
		{PID: 103, PPID: self, Markers: marked("TestB")},                             // B's
		{PID: 104, PPID: self},                                                       // no marker, below us
		{PID: 105, PPID: 1},                                                          // not ours at all
		{PID: 106, PPID: self, Markers: map[string]string{EnvRunID: "0000"}},         // an inherited marker
		{PID: 107, PPID: self, Markers: map[string]string{EnvShim: "3 100"}},         // a helper
		{PID: 108, PPID: 107},                                                        // held by a live container
		{PID: 109, PPID: self, State: process.StateZombie, Markers: marked("TestA")}, // dead
		{PID: 110, PPID: self, Markers: map[string]string{EnvGuardian: "/x"}},        // a helper's marker, no helper
	}
	base := map[process.Identity]bool{{PID: 1}: true, {PID: 50}: true}
	held := func(p process.Info) bool { return p.PID == 108 }
	helper := func(p process.Info) bool { return p.PID == 107 } // by the identity taken at spawn

	tests := []struct {
		test    string
		want    map[int]Proof
		zombies int
	}{
		// A test's check names its marked processes and removes none: a
		// parallel sibling's process may carry copied markers.
		{"TestA", map[int]Proof{101: NoProof, 102: NoProof, 104: NoProof, 106: NoProof, 110: NoProof}, 1},
		{"", map[int]Proof{101: Descendant, 102: NoProof, 103: Descendant, 104: Descendant, 106: Descendant, 110: Descendant}, 1},
	}
	for _, tt := range tests {
		sc := Scope{Test: tt.test, Baseline: base, Self: self, Held: held, Helper: helper}
		cands := sc.Candidates(snap)
		leaks, zombies := sc.Judge(snap, cands)
		got := map[int]Proof{}
		for _, f := range leaks {
			got[f.PID] = f.Proof
			if f.Why == "" {
				t.Errorf("%q: pid %d has no reason", tt.test, f.PID)
			}
		}
		if len(got) != len(tt.want) || len(zombies) != tt.zombies {
			t.Errorf("scope %q: leaks %v zombies %d, want %v and %d", tt.test, got, len(zombies), tt.want, tt.zombies)
			continue
		}
		for pid, pr := range tt.want {
			if got[pid] != pr {
				t.Errorf("scope %q: pid %d proof %v, want %v", tt.test, pid, got[pid], pr)
			}
		}
	}
}

func TestClassify(t *testing.T) {
	tree := Tree{Root: 10, SIDs: []int{10}, PGIDs: []int{10},
		Inside: map[int]bool{10: true, 11: true}, Escaped: map[int]bool{20: true}}
	tests := []struct {
		p     process.Info
		alive bool
		want  string
	}{
		{process.Info{PID: 20, PPID: 1, SID: 20, PGID: 20}, true, "escaped via setsid, reparented to pid 1 (daemonized)"},
		{process.Info{PID: 21, PPID: 20, SID: 20, PGID: 20}, true, "escaped via setsid, child of escaped pid 20"},
		{process.Info{PID: 22, PPID: 11, SID: 10, PGID: 22, State: process.StateStopped}, true, "new process group, stopped"},
		{process.Info{PID: 23, PPID: 10, SID: 10, PGID: 10}, false, "outlived its parent, the root"},
	}
	for _, tt := range tests {
		tree.RootAlive = tt.alive
		if got := Describe(Classify(tt.p, tree), tt.p); got != tt.want {
			t.Errorf("pid %d: %q, want %q", tt.p.PID, got, tt.want)
		}
	}
	p := process.Info{PID: 5}
	if got := Describe([]Escape{EscNew, EscMigrated, "odd"}, p); got != "new since the baseline, moved out of its container, odd" {
		t.Errorf("Describe = %q", got)
	}
}

func TestLines(t *testing.T) {
	ps := []process.Info{{PID: 7, Name: "sleep", Markers: map[string]string{EnvTest: "TestX"}}, {PID: 8, Name: "sh"}}
	got := Lines(ps, "\t")
	if !strings.Contains(got, "\n\tpid 7 ") || !strings.Contains(got, "(started by TestX)") || strings.Count(got, "\n") != 2 {
		t.Errorf("Lines = %q", got)
	}
}

func TestGoesBy(t *testing.T) {
	p := process.Info{Name: "agent-with-a-lo", Cmdline: []string{"/opt/bin/agent-with-a-long-name", "-v"}}
	for _, c := range []struct {
		name string
		want bool
	}{{"agent-with-a-lo", true}, {"agent-with-a-long-name", true}, {"/opt/bin/agent-with-a-long-name", false}, {"agent", false}, {"", false}} {
		if got := GoesBy(p, c.name); got != c.want {
			t.Errorf("GoesBy(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

// The walk up from a candidate agrees with proc.Descendants, which walks
// down from the root, including on a parent loop (a reused pid) and on
// links to processes the snapshot lacks.
func TestLineageAgreesWithDescendants(t *testing.T) {
	snap := []process.Info{
		{PID: 1, PPID: 0}, {PID: 10, PPID: 1}, {PID: 11, PPID: 10}, {PID: 12, PPID: 11},
		{PID: 13, PPID: 10}, {PID: 20, PPID: 1}, {PID: 21, PPID: 20},
		{PID: 30, PPID: 31}, {PID: 31, PPID: 30}, // a loop
		{PID: 40, PPID: 99}, // a parent not in the snapshot
		{PID: 50, PPID: 50},
	}
	up := lineageOf(snap)
	for _, root := range []int{1, 10, 11, 20, 30, 99, 50, 7} {
		down := map[int]bool{}
		for _, p := range proc.Descendants(snap, root) {
			down[p.PID] = true
		}
		for _, p := range snap {
			if got := up.descends(p.PID, root); got != down[p.PID] {
				t.Errorf("root %d, pid %d: descends %v, proc.Descendants says %v", root, p.PID, got, down[p.PID])
			}
		}
	}
}

func TestHelperExe(t *testing.T) {
	for path, want := range map[string]bool{
		"/home/u/.cache/sysprims-go/helper-3e92cf25": true,
		"/tmp/sysprims-go-1001/helper-3e92cf25":      true,
		"/usr/bin/sleep":                             false,
		"/home/u/.cache/other/helper-1":              false,
		"helper-1":                                   false,
	} {
		if got := HelperExe(path); got != want {
			t.Errorf("HelperExe(%q) = %v, want %v", path, got, want)
		}
	}
}
