package proc

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestParseFilter(t *testing.T) {
	f, err := ParseFilter([]string{
		"name_contains=sle", "name_equals=sleep", "user_equals=alice", "pid_in=1, 2,3",
		"ppid=0", "state_in=running,zombie", "cpu_above=12.5", "memory_above_kb=1024",
		"running_for_at_least_secs=60",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Filter{
		NameContains: "sle", NameEquals: "sleep", UserEquals: "alice", PIDIn: []int{1, 2, 3},
		PPID: ptr(0), StateIn: []State{StateRunning, StateZombie}, CPUAbove: ptr(12.5),
		MemoryAboveKB: ptr(uint64(1024)), RunningForAtLeastSecs: ptr(uint64(60)),
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("ParseFilter = %+v, want %+v", f, want)
	}
	if f.Fields() != FieldUser|FieldCPU {
		t.Errorf("Fields() = %b", f.Fields())
	}
	if empty, err := ParseFilter(nil); err != nil || empty.Fields() != 0 || !empty.Match(ProcessInfo{}) {
		t.Errorf("empty filter: %+v, %v", empty, err)
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"foo=1"}, `sysprims: filter: unknown key "foo"`},
		{[]string{"pid_in=1,x"}, `sysprims: filter: pid_in: bad pid "x"`},
		{[]string{"pid_in=0"}, `sysprims: filter: pid_in: bad pid "0"`},
		{[]string{"pid_in="}, `sysprims: filter: pid_in: bad pid ""`},
		{[]string{"ppid=-1"}, `sysprims: filter: ppid: bad pid "-1"`},
		{[]string{"pid_in=4294967296"}, `sysprims: filter: pid_in: bad pid "4294967296"`},
		{[]string{"state_in=running,napping"}, `sysprims: filter: state_in: unknown state "napping" (want one of running, sleeping, disk-sleep, stopped, tracing-stop, zombie, dead, idle, unknown)`},
		{[]string{"cpu_above=101"}, `sysprims: filter: cpu_above: bad percent "101" (want 0..100)`},
		{[]string{"cpu_above=NaN"}, `sysprims: filter: cpu_above: bad percent "NaN" (want 0..100)`},
		{[]string{"memory_above_kb=-5"}, `sysprims: filter: memory_above_kb: bad number "-5"`},
		{[]string{"running_for_at_least_secs=1h"}, `sysprims: filter: running_for_at_least_secs: bad number "1h"`},
		{[]string{"name_equals="}, `sysprims: filter: name_equals: empty value`},
		{[]string{"name_contains"}, `sysprims: filter: "name_contains" is not key=value`},
		{[]string{"ppid=1", "ppid=2"}, `sysprims: filter: ppid: given twice`},
	}
	for _, tt := range tests {
		_, err := ParseFilter(tt.args)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseFilter(%q) error %v, want %s", tt.args, err, tt.want)
		}
		var fe *FilterError
		if !errors.Is(err, ErrInvalidFilter) || !errors.As(err, &fe) {
			t.Errorf("ParseFilter(%q) error %v does not unwrap to ErrInvalidFilter", tt.args, err)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	now := time.UnixMilli(1_700_000_100_000)
	p := ProcessInfo{PID: 42, PPID: 7, Name: "sleep", State: StateSleeping, User: "alice",
		CPUPercent: 3, MemoryKB: 2048, StartTimeUnixMs: 1_700_000_000_000}
	tests := []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"name_contains=lee"}, true},
		{[]string{"name_contains=Lee"}, false},
		{[]string{"name_equals=sleep"}, true},
		{[]string{"name_equals=slee"}, false},
		{[]string{"user_equals=alice"}, true},
		{[]string{"user_equals=bob"}, false},
		{[]string{"pid_in=1,42"}, true},
		{[]string{"pid_in=1,43"}, false},
		{[]string{"ppid=7"}, true},
		{[]string{"ppid=0"}, false},
		{[]string{"state_in=running,sleeping"}, true},
		{[]string{"state_in=zombie"}, false},
		{[]string{"cpu_above=2.5"}, true},
		{[]string{"cpu_above=3"}, false},
		{[]string{"memory_above_kb=2047"}, true},
		{[]string{"memory_above_kb=2048"}, false},
		{[]string{"running_for_at_least_secs=100"}, true},
		{[]string{"running_for_at_least_secs=101"}, false},
		{[]string{"name_equals=sleep", "ppid=7", "state_in=sleeping"}, true},
		{[]string{"name_equals=sleep", "ppid=8"}, false},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.args)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.MatchAt(p, now); got != tt.want {
			t.Errorf("%q MatchAt = %v, want %v", tt.args, got, tt.want)
		}
	}
	future := p
	future.StartTimeUnixMs = now.UnixMilli() + 1000
	if f, _ := ParseFilter([]string{"running_for_at_least_secs=0"}); f.MatchAt(future, now) {
		t.Error("a process from the future ran for 0 s")
	}
}

func TestFilterApply(t *testing.T) {
	snap := []ProcessInfo{{PID: 1, Name: "a"}, {PID: 2, Name: "b"}, {PID: 3, Name: "ab"}}
	f, err := ParseFilter([]string{"name_contains=a"})
	if err != nil {
		t.Fatal(err)
	}
	if got := pids(f.Apply(snap)); !reflect.DeepEqual(got, []int{1, 3}) {
		t.Errorf("Apply = %v", got)
	}
	if keys := FilterKeys(); len(keys) != 9 || keys[0] != "cpu_above" {
		t.Errorf("FilterKeys() = %v", keys)
	}
}

func TestParseFilterJSON(t *testing.T) {
	f, err := ParseFilterJSON([]byte(`{"name_equals":"sleep","pid_in":[3,4],"ppid":0,"state_in":["zombie"],"cpu_above":1.5,"memory_above_kb":7,"running_for_at_least_secs":9}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Filter{NameEquals: "sleep", PIDIn: []int{3, 4}, PPID: ptr(0), StateIn: []State{StateZombie},
		CPUAbove: ptr(1.5), MemoryAboveKB: ptr(uint64(7)), RunningForAtLeastSecs: ptr(uint64(9))}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("ParseFilterJSON = %+v, want %+v", f, want)
	}
	bad := []struct{ in, want string }{
		{`{"foo":1}`, `sysprims: filter: unknown key "foo"`},
		{`{"pid_in":[0]}`, `sysprims: filter: pid_in: bad pid "0"`},
		{`{"ppid":-2}`, `sysprims: filter: ppid: bad pid "-2"`},
		{`{"ppid":4294967296}`, `sysprims: filter: ppid: bad pid "4294967296"`},
		{`{"pid_in":[]}`, `sysprims: filter: pid_in: empty list`},
		{`{"state_in":[]}`, `sysprims: filter: state_in: empty list`},
		{`{"state_in":["napping"]}`, `sysprims: filter: state_in: unknown state "napping"`},
		{`{"cpu_above":200}`, `sysprims: filter: cpu_above: bad percent "200" (want 0..100)`},
		{`{"memory_above_kb":-1}`, `sysprims: filter: bad json: json: cannot unmarshal number -1 into Go struct field Filter.memory_above_kb of type uint64`},
		{`[1]`, `sysprims: filter: bad json: json: cannot unmarshal array into Go value of type map[string]json.RawMessage`},
	}
	for _, tt := range bad {
		got, err := ParseFilterJSON([]byte(tt.in))
		if err == nil || err.Error() != tt.want || !errors.Is(err, ErrInvalidFilter) || !reflect.DeepEqual(got, Filter{}) {
			t.Errorf("ParseFilterJSON(%s) = %+v, error %v; want no filter, error %s", tt.in, got, err, tt.want)
		}
	}
}
