package proc

import (
	"errors"
	"reflect"
	"testing"
)

// treeSnap: 1 -> 10 -> {11, 12}; 11 -> 13; 20 (ppid 1, sid leader);
// 30 is its own parent (broken record); 40/41 point at each other.
var treeSnap = []ProcessInfo{
	{PID: 1, PPID: 0}, {PID: 10, PPID: 1}, {PID: 11, PPID: 10}, {PID: 12, PPID: 10},
	{PID: 13, PPID: 11}, {PID: 20, PPID: 1}, {PID: 30, PPID: 30}, {PID: 40, PPID: 41}, {PID: 41, PPID: 40},
}

func pids(ps []ProcessInfo) []int {
	var out []int
	for _, p := range ps {
		out = append(out, p.PID)
	}
	return out
}

func TestDescendants(t *testing.T) {
	tests := []struct {
		pid  int
		want []int
	}{
		{10, []int{11, 12, 13}},
		{1, []int{10, 11, 12, 13, 20}},
		{13, nil},
		{30, nil},
		{40, []int{41}}, // a cycle ends
		{99, nil},
	}
	for _, tt := range tests {
		if got := pids(Descendants(treeSnap, tt.pid)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Descendants(%d) = %v, want %v", tt.pid, got, tt.want)
		}
	}
}

func TestTreeInSnapshot(t *testing.T) {
	got, err := treeInSnapshot(treeSnap, 10)
	if err != nil || !reflect.DeepEqual(got, []int{10, 11, 12, 13}) {
		t.Errorf("treeInSnapshot(10) = %v, %v", got, err)
	}
	if got, err := treeInSnapshot(treeSnap, 40); err != nil || !reflect.DeepEqual(got, []int{40, 41}) {
		t.Errorf("treeInSnapshot(40) = %v, %v", got, err)
	}
	if _, err := treeInSnapshot(treeSnap, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("treeInSnapshot(99) error %v", err)
	}
	kids, err := childrenInSnapshot(treeSnap, 10)
	if err != nil || !reflect.DeepEqual(kids, []int{11, 12}) {
		t.Errorf("childrenInSnapshot(10) = %v, %v", kids, err)
	}
	if kids, err := childrenInSnapshot(treeSnap, 30); err != nil || kids != nil {
		t.Errorf("childrenInSnapshot(30) = %v, %v", kids, err)
	}
	if _, err := childrenInSnapshot(treeSnap, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("childrenInSnapshot(99) error %v", err)
	}
}

func TestSortByPID(t *testing.T) {
	ps := []ProcessInfo{{PID: 3}, {PID: 1}, {PID: 2}}
	sortByPID(ps)
	if got := pids(ps); !reflect.DeepEqual(got, []int{1, 2, 3}) {
		t.Errorf("sortByPID = %v", got)
	}
}

func TestFieldHas(t *testing.T) {
	if !FieldAll.Has(FieldUser|FieldCPU) || FieldCmdline.Has(FieldCmdline|FieldExe) {
		t.Error("Has() wrong")
	}
}

func TestLifetimeCPUPercent(t *testing.T) {
	tests := []struct {
		cpu, life int64
		ncpu      int
		want      float64
	}{
		{500, 1000, 1, 50},
		{500, 1000, 2, 25},
		{5000, 1000, 1, 100}, // clamped
		{-1, 1000, 1, 0},
		{10, 0, 1, 0},
		{10, 100, 0, 0},
	}
	for _, tt := range tests {
		if got := lifetimeCPUPercent(tt.cpu, tt.life, tt.ncpu); got != tt.want {
			t.Errorf("lifetimeCPUPercent(%d, %d, %d) = %v, want %v", tt.cpu, tt.life, tt.ncpu, got, tt.want)
		}
	}
}

// found carries a process, as a leak check's finding does.
type found struct {
	ProcessInfo
	why string
}

func TestMerge(t *testing.T) {
	a := []ProcessInfo{{PID: 30, Name: "a"}, {PID: 10, Name: "a"}}
	got := Merge(a, []ProcessInfo{{PID: 20, Name: "b"}, {PID: 10, Name: "b"}})
	if len(got) != 3 || got[0].PID != 10 || got[0].Name != "a" || got[1].PID != 20 || got[2].PID != 30 {
		t.Errorf("Merge = %v, want 10 (a's), 20, 30", got)
	}
	fs := Merge([]found{{ProcessInfo{PID: 5}, "tree"}}, []found{{ProcessInfo{PID: 5}, "scan"}, {ProcessInfo{PID: 4}, "scan"}})
	if len(fs) != 2 || fs[0].PID != 4 || fs[1].why != "tree" {
		t.Errorf("Merge(findings) = %v", fs)
	}
}

func TestIDs(t *testing.T) {
	got := IDs([]found{{ProcessInfo{PID: 5, StartTimeUnixMs: 7}, ""}, {ProcessInfo{PID: 4}, ""}})
	if want := []Identity{{PID: 5, StartTimeUnixMs: 7}, {PID: 4}}; !reflect.DeepEqual(got, want) {
		t.Errorf("IDs = %v, want %v", got, want)
	}
}

// An error about one process says the library's prefix once, and still
// unwraps to ErrNotFound.
func TestProcessErrorPrefix(t *testing.T) {
	err := processErr(42, ErrNotFound)
	if err.Error() != "sysprims: process 42: no such process" || !errors.Is(err, ErrNotFound) {
		t.Errorf("%q, errors.Is %v", err, errors.Is(err, ErrNotFound))
	}
	if err := processErr(7, errors.New("permission denied")); err.Error() != "sysprims: process 7: permission denied" {
		t.Errorf("%q", err)
	}
}
