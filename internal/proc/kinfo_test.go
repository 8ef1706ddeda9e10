package proc

import (
	"encoding/binary"
	"reflect"
	"testing"
)

func TestDarwinState(t *testing.T) {
	want := map[int8]State{1: StateRunning, 2: StateRunning, 3: StateSleeping, 4: StateStopped, 5: StateZombie, 0: StateUnknown, 9: StateUnknown}
	for stat, s := range want {
		if got := darwinState(stat); got != s {
			t.Errorf("darwinState(%d) = %s, want %s", stat, got, s)
		}
	}
}

func TestKinfoInfo(t *testing.T) {
	k := kinfo{PID: 501, PPID: 1, PGID: 501, Stat: 4, StartSec: 1700000000, StartUsec: 123456}
	copy(k.Comm[:], "launchd\x00junk")
	want := ProcessInfo{PID: 501, PPID: 1, PGID: 501, Name: "launchd", State: StateStopped, StartTimeUnixMs: 1700000000123}
	if got := k.info(); !reflect.DeepEqual(got, want) {
		t.Errorf("info() = %+v, want %+v", got, want)
	}
	copy(k.Comm[:], "sixteen-chars-xx")
	k.Comm[16] = 'y' // no NUL at all
	if got := k.info().Name; got != "sixteen-chars-xxy" {
		t.Errorf("unterminated comm = %q", got)
	}
}

// procargs2 builds a kern.procargs2 buffer.
func procargs2(argc int32, exe string, pad int, rest ...string) []byte {
	b := binary.NativeEndian.AppendUint32(nil, uint32(argc))
	b = append(append(b, exe...), 0)
	b = append(b, make([]byte, pad)...)
	for _, s := range rest {
		b = append(append(b, s...), 0)
	}
	return b
}

func TestParseProcArgs2(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want procArgs
		ok   bool
	}{
		{"full", append(procargs2(2, "/bin/sleep", 5, "sleep", "300", "HOME=/", "SYSPRIMS_TREE_ID=t1"), 0, 'x'),
			procArgs{"/bin/sleep", []string{"sleep", "300"}, []string{"HOME=/", "SYSPRIMS_TREE_ID=t1"}}, true},
		{"no env", procargs2(1, "/bin/true", 0, "true"), procArgs{"/bin/true", []string{"true"}, nil}, true},
		{"truncated args", procargs2(3, "/bin/x", 1, "x"), procArgs{"/bin/x", []string{"x"}, nil}, true},
		{"too short", []byte{1, 0}, procArgs{}, false},
		{"no exe terminator", []byte{1, 0, 0, 0, 'a'}, procArgs{}, false},
		{"negative argc", procargs2(-1, "/x", 0), procArgs{}, false},
	}
	for _, tt := range tests {
		got, ok := parseProcArgs2(tt.in)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: parseProcArgs2 = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMarkers(t *testing.T) {
	got := markersFromEnv([]string{"HOME=/", "SYSPRIMS_RUN_ID=r1", "SYSPRIMS_TEST=", "XSYSPRIMS_A=1", "SYSPRIMS_X=a=b"})
	want := map[string]string{"SYSPRIMS_RUN_ID": "r1", "SYSPRIMS_TEST": "", "SYSPRIMS_X": "a=b"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("markersFromEnv = %v, want %v", got, want)
	}
	if got := parseMarkers([]byte("A=1\x00B=2")); got != nil {
		t.Errorf("no markers: %v", got)
	}
	if got := parseMarkers([]byte("SYSPRIMS_A=1")); got["SYSPRIMS_A"] != "1" {
		t.Errorf("unterminated block: %v", got)
	}
}
