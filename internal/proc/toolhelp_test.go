package proc

import (
	"reflect"
	"testing"
	"unicode/utf16"
)

func TestToolhelpInfo(t *testing.T) {
	exe := make([]uint16, 260)
	copy(exe, utf16.Encode([]rune("näme.exe")))
	e := toolhelpEntry{PID: 4242, PPID: 4, Threads: 7, ExeFile: exe}
	want := ProcessInfo{PID: 4242, PPID: 4, Name: "näme.exe", State: StateRunning, ThreadCount: 7}
	if got := e.info(); !reflect.DeepEqual(got, want) {
		t.Errorf("info() = %+v, want %+v", got, want)
	}
	if got := utf16String(utf16.Encode([]rune("full"))); got != "full" {
		t.Errorf("unterminated utf16 = %q", got)
	}
}

func TestFiletime(t *testing.T) {
	// 2023-11-14T22:13:20Z = 1700000000 s after the Unix epoch.
	ft := uint64(1700000000)*10000000 + filetimeEpochDelta + 1234*10000
	if got := filetimeUnixMs(uint32(ft>>32), uint32(ft)); got != 1700000001234 {
		t.Errorf("filetimeUnixMs = %d", got)
	}
	if got := filetimeDurationMs(1, 0); got != (1<<32)/10000 {
		t.Errorf("filetimeDurationMs = %d", got)
	}
}

func TestDropStaleParents(t *testing.T) {
	ps := []ProcessInfo{
		{PID: 4, PPID: 0, StartTimeUnixMs: 100},
		{PID: 10, PPID: 4, StartTimeUnixMs: 200},   // parent older: kept
		{PID: 20, PPID: 30, StartTimeUnixMs: 300},  // parent pid reused by a newer process: dropped
		{PID: 30, PPID: 4, StartTimeUnixMs: 400},   //
		{PID: 40, PPID: 99, StartTimeUnixMs: 500},  // parent gone: kept (no evidence)
		{PID: 50, PPID: 30, StartTimeUnixMs: 0},    // own start unknown: kept
		{PID: 60, PPID: 60, StartTimeUnixMs: 1000}, // self parent: kept
	}
	dropStaleParents(ps)
	got := map[int]int{}
	for _, p := range ps {
		got[p.PID] = p.PPID
	}
	want := map[int]int{4: 0, 10: 4, 20: 0, 30: 4, 40: 99, 50: 30, 60: 60}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dropStaleParents: %v, want %v", got, want)
	}
}
