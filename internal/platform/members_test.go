package platform

import (
	"errors"
	"slices"
	"sort"
	"testing"
)

func pidsOf(es []procEntry) []int {
	out := make([]int, len(es))
	for i, e := range es {
		out[i] = e.pid
	}
	sort.Ints(out)
	return out
}

// scanFixture: root 100 (session leader) with a child, a setpgid escapee,
// a setsid escapee (and its child), a reparented daemon never seen, a zombie,
// a stranger, and the caller.
func scanFixture() []procEntry {
	return []procEntry{
		{pid: 1, ppid: 0, pgid: 1, sid: 1, start: 1},
		{pid: 50, ppid: 1, pgid: 50, sid: 50, start: 5},                   // caller
		{pid: 100, ppid: 50, pgid: 100, sid: 100, start: 10},              // root
		{pid: 101, ppid: 100, pgid: 100, sid: 100, start: 11},             // child
		{pid: 102, ppid: 100, pgid: 102, sid: 100, start: 12},             // setpgid escape
		{pid: 103, ppid: 101, pgid: 103, sid: 103, start: 13},             // setsid escape
		{pid: 104, ppid: 103, pgid: 103, sid: 103, start: 14},             // its child
		{pid: 105, ppid: 1, pgid: 105, sid: 105, start: 15},               // reparented, unseen
		{pid: 106, ppid: 101, pgid: 100, sid: 100, start: 16, gone: true}, // zombie
		{pid: 200, ppid: 1, pgid: 200, sid: 200, start: 20},               // stranger
	}
}

func TestSelectMembers(t *testing.T) {
	got := pidsOf(selectMembers(scanFixture(), treeRule{root: 100, rootStart: 10, exclude: []int{50}}))
	if want := []int{100, 101, 102, 103, 104}; !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
}

func TestSelectMembersReusedRoot(t *testing.T) {
	scan := scanFixture()
	scan[2].start = 99 // pid 100 now belongs to another process
	got := pidsOf(selectMembers(scan, treeRule{root: 100, rootStart: 10}))
	if len(got) != 0 {
		t.Fatalf("members %v of a root whose pid was reused, want none", got)
	}
}

func TestSelectMembersSeenBefore(t *testing.T) {
	scan := []procEntry{
		{pid: 300, ppid: 1, pgid: 300, sid: 300, start: 30},
		{pid: 301, ppid: 300, pgid: 300, sid: 300, start: 31},
		{pid: 302, ppid: 1, pgid: 302, sid: 302, start: 99}, // pid seen before, reused
	}
	seen := map[int]int64{300: 30, 302: 32}
	got := pidsOf(selectMembers(scan, treeRule{root: 100, rootStart: 10, seen: seen}))
	if want := []int{300, 301}; !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
}

func TestCandidates(t *testing.T) {
	caps := Caps{Mechanisms: []Mechanism{MechanismCgroup, MechanismSubreaper, MechanismProcessGroup}}
	weak := Caps{Mechanisms: []Mechanism{MechanismProcessGroup}}
	cases := []struct {
		spec Spec
		caps Caps
		want []Mechanism
		err  bool
	}{
		{Spec{}, caps, caps.Mechanisms, false},
		{Spec{Require: true}, caps, []Mechanism{MechanismCgroup, MechanismSubreaper}, false},
		{Spec{Require: true}, weak, nil, true},
		{Spec{Mechanism: MechanismSubreaper}, caps, []Mechanism{MechanismSubreaper, MechanismCgroup, MechanismProcessGroup}, false},
		{Spec{Mechanism: MechanismSubreaper, Require: true}, caps, []Mechanism{MechanismSubreaper}, false},
		{Spec{Mechanism: MechanismCgroup, Require: true}, weak, nil, true},
		{Spec{Mechanism: MechanismCgroup}, weak, []Mechanism{MechanismProcessGroup}, false},
	}
	for _, tc := range cases {
		got, err := candidates(tc.spec, tc.caps)
		if (err != nil) != tc.err || (err != nil && !errors.Is(err, ErrUnavailable)) {
			t.Errorf("%+v: err %v", tc.spec, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %v, want %v", tc.spec, got, tc.want)
		}
	}
	if caps.Best() != MechanismCgroup || (Caps{}).Best() != MechanismAuto || !caps.Has(MechanismSubreaper) {
		t.Error("Best/Has")
	}
	if ReliabilityOf(MechanismProcessGroup) != BestEffort || ReliabilityOf(MechanismCgroup) != Guaranteed {
		t.Error("ReliabilityOf")
	}
}
