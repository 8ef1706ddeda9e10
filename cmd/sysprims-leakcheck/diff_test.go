package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func ms(d time.Duration) int64 { return t0.Add(d).UnixMilli() }

func pids(ps []proc.ProcessInfo) []int {
	out := make([]int, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.PID)
	}
	return out
}

func TestNewSince(t *testing.T) {
	const me, other = 1000, 2000
	base := baselineDoc{Taken: t0, Processes: []proc.ProcessInfo{
		{PID: 1, StartTimeUnixMs: ms(-time.Hour)},
		{PID: 10, StartTimeUnixMs: ms(-time.Minute), UID: me},
		{PID: 11, StartTimeUnixMs: ms(-time.Minute), UID: me},
		{PID: 12, StartTimeUnixMs: ms(-time.Minute), UID: me, Markers: map[string]string{"SYSPRIMS_TREE_ID": "a"}},
		{PID: 13, StartTimeUnixMs: ms(-time.Minute), UID: me},
	}}
	now := []proc.ProcessInfo{
		{PID: 1, StartTimeUnixMs: ms(-time.Hour)},             // init: in baseline
		{PID: 2, StartTimeUnixMs: ms(time.Second)},            // kthreadd
		{PID: 10, StartTimeUnixMs: ms(-time.Minute), UID: me}, // unchanged
		{PID: 11, StartTimeUnixMs: ms(time.Minute), UID: me},  // pid reused: new
		{PID: 12, StartTimeUnixMs: ms(-time.Minute + time.Second), UID: me, Markers: map[string]string{"SYSPRIMS_TREE_ID": "a"}}, // boot-time drift of 1 s: same process
		{PID: 20, StartTimeUnixMs: ms(time.Second), UID: me},                                                                     // new, mine
		{PID: 21, StartTimeUnixMs: ms(time.Second), UID: other},                                                                  // new, another user's
		{PID: 22, StartTimeUnixMs: ms(-time.Hour), UID: me},                                                                      // not in baseline but older: missed by the snapshot, not ours to judge
		{PID: 23, StartTimeUnixMs: ms(time.Second), UID: other, Markers: map[string]string{"SYSPRIMS_RUN_ID": "r"}},              // marked: always
		{PID: 24, StartTimeUnixMs: ms(time.Second), UID: me, State: proc.StateZombie},                                            // zombie: never
		{PID: 25, StartTimeUnixMs: ms(time.Second), UID: me, PPID: 2},                                                            // kernel thread
		{PID: 30, StartTimeUnixMs: ms(time.Second), UID: me},                                                                     // protected (caller)
	}
	sc := scope{taken: t0, uid: me, protected: map[int]bool{1: true, 30: true}, isKernel: func(p proc.ProcessInfo) bool { return p.PID == 2 || p.PPID == 2 }}
	if got, want := pids(newSince(base, now, sc)), []int{11, 20, 23}; !slices.Equal(got, want) {
		t.Errorf("new pids %v, want %v", got, want)
	}
	sc.markers = []markerSel{{key: "SYSPRIMS_RUN_ID", value: "r"}}
	if got, want := pids(newSince(base, now, sc)), []int{23}; !slices.Equal(got, want) {
		t.Errorf("with --marker: %v, want %v", got, want)
	}
	sc.markers = []markerSel{{key: "SYSPRIMS_RUN_ID", value: "other"}}
	if got := newSince(base, now, sc); len(got) != 0 {
		t.Errorf("with a marker nobody has: %v", pids(got))
	}
	sc.markers, sc.uid = nil, -1
	if got, want := pids(newSince(base, now, sc)), []int{23}; !slices.Equal(got, want) {
		t.Errorf("without a uid: %v, want %v", got, want)
	}
}

func TestProtectedPIDs(t *testing.T) {
	snap := []proc.ProcessInfo{{PID: 1}, {PID: 50, PPID: 1}, {PID: 60, PPID: 50}, {PID: 70, PPID: 60}, {PID: 80, PPID: 60}}
	got := protectedPIDs(70, snap)
	for _, pid := range []int{1, 50, 60, 70} {
		if !got[pid] {
			t.Errorf("pid %d not protected", pid)
		}
	}
	if got[80] || len(got) != 4 {
		t.Errorf("protected %v", got)
	}
	if got := protectedPIDs(99, snap); !got[99] || !got[1] || len(got) != 2 {
		t.Errorf("self missing from the snapshot: %v", got)
	}
}

func TestParseMarker(t *testing.T) {
	for in, ok := range map[string]bool{"SYSPRIMS_TEST": true, "SYSPRIMS_RUN_ID=x": true, "SYSPRIMS_TEST=": true, "SYSPRIMS_": false, "HOME": false, "=x": false} {
		if _, got := parseMarker(in); got != ok {
			t.Errorf("parseMarker(%q) ok=%v, want %v", in, got, ok)
		}
	}
	m, _ := parseMarker("SYSPRIMS_TEST=")
	if m.match(proc.ProcessInfo{Markers: map[string]string{"SYSPRIMS_TEST": "x"}}) || !m.match(proc.ProcessInfo{Markers: map[string]string{"SYSPRIMS_TEST": ""}}) {
		t.Error("KEY= must match the empty value only")
	}
}

func snapshotJSON(t *testing.T, mut func(map[string]any)) []byte {
	t.Helper()
	doc := map[string]any{
		"schema_id": proc.SnapshotSchemaID,
		"timestamp": t0.Format(time.RFC3339Nano),
		"processes": []map[string]any{{"pid": 1, "ppid": 0, "name": "init", "start_time_unix_ms": ms(-time.Hour)}},
	}
	if mut != nil {
		mut(doc)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseBaseline(t *testing.T) {
	doc, err := parseBaseline(snapshotJSON(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Taken.Equal(t0) || len(doc.Processes) != 1 || doc.Processes[0].Name != "init" {
		t.Errorf("parsed %+v", doc)
	}
	bad := map[string][]byte{
		"not json":        []byte("{"),
		"trailing data":   append(snapshotJSON(t, nil), []byte(" {}")...),
		"not an object":   []byte(`[1,2]`),
		"no schema":       snapshotJSON(t, func(m map[string]any) { delete(m, "schema_id") }),
		"wrong schema":    snapshotJSON(t, func(m map[string]any) { m["schema_id"] = "x" }),
		"no timestamp":    snapshotJSON(t, func(m map[string]any) { delete(m, "timestamp") }),
		"bad timestamp":   snapshotJSON(t, func(m map[string]any) { m["timestamp"] = "yesterday" }),
		"bool timestamp":  snapshotJSON(t, func(m map[string]any) { m["timestamp"] = true }),
		"ms timestamp":    snapshotJSON(t, func(m map[string]any) { m["timestamp"] = t0.UnixMilli() }),
		"filtered":        snapshotJSON(t, func(m map[string]any) { m["filter"] = map[string]any{"name_equals": "init"} }),
		"no processes":    snapshotJSON(t, func(m map[string]any) { m["processes"] = []any{} }),
		"bad pid":         snapshotJSON(t, func(m map[string]any) { m["processes"] = []map[string]any{{"pid": 0}} }),
		"pid as a string": snapshotJSON(t, func(m map[string]any) { m["processes"] = []map[string]any{{"pid": "1"}} }),
	}
	for name, data := range bad {
		if _, err := parseBaseline(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	big := make([]byte, maxBaselineSize+1)
	if _, err := parseBaseline(big); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized: %v", err)
	}
}
