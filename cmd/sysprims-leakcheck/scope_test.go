package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
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

// scopeCase is a snapshot judged against a baseline taken at t0 by uid
// me, the caller being pid 30 and pid 1 the reaper.
const me, other = 1000, 2000

func scopeBase() baselineDoc {
	return baselineDoc{Taken: t0, Processes: []proc.ProcessInfo{
		{PID: 1, StartTimeUnixMs: ms(-time.Hour)},
		{PID: 10, StartTimeUnixMs: ms(-time.Minute), UID: me, User: "me"},
		{PID: 11, StartTimeUnixMs: ms(-time.Minute), UID: me, User: "me"},
		{PID: 12, StartTimeUnixMs: ms(-time.Minute), UID: me, User: "me"},
		{PID: 41, StartTimeUnixMs: ms(-time.Minute), UID: me, User: "me"},
	}}
}

func mine(pid, ppid int, start time.Duration) proc.ProcessInfo {
	return proc.ProcessInfo{PID: pid, PPID: ppid, StartTimeUnixMs: ms(start), UID: me, User: "me", State: proc.StateSleeping}
}

func scopeSnapshot() []proc.ProcessInfo {
	theirs := mine(21, 1, time.Second)
	theirs.UID, theirs.User = other, "other"
	marked := theirs
	marked.PID, marked.Markers = 23, map[string]string{"SYSPRIMS_RUN_ID": "r"}
	zombie := mine(24, 1, time.Second)
	zombie.State = proc.StateZombie
	kthread := mine(2, 0, time.Second)
	kthread.KernelThread = true
	refused := mine(60, 1, time.Second)
	refused.Name = "refused"
	return []proc.ProcessInfo{
		{PID: 1, StartTimeUnixMs: ms(-time.Hour)}, // init: in the baseline
		kthread,                               // a kernel thread: never
		mine(10, 1, -time.Minute),             // unchanged
		mine(11, 1, time.Minute),              // pid reused: new
		mine(12, 1, -time.Minute+time.Second), // boot-time drift of 1 s: the same process
		mine(20, 1, time.Second),              // new, detached, mine
		theirs,                                // new, detached, another user's
		mine(22, 1, -time.Hour),               // not in the baseline but older: missed by it, not judged
		marked,                                // another user's, marked: markers never widen
		zombie,                                // dead
		mine(30, 1, time.Second),              // the caller
		mine(40, 41, time.Second),             // new, its parent 41 (old) lives: another job's tree
		mine(42, 40, time.Second),             // below it
		mine(41, 1, -time.Minute),             // that job's shell
		mine(50, 1, time.Second),              // new, detached
		mine(51, 50, 2*time.Second),           // below a detached process
		refused,                               // the guard refuses it
		mine(70, 900, time.Second),            // its parent is a subreaper
		mine(900, 1, -time.Minute),            // the subreaper (not in the baseline: older, not judged)
	}
}

func selected(t *testing.T, sc scope, snap []proc.ProcessInfo) []int {
	t.Helper()
	sc.fill = func([]proc.ProcessInfo) {}
	sc.guard = func(p proc.ProcessInfo) error {
		if p.Name == "refused" {
			return owner.ErrProtected
		}
		return nil
	}
	in, _ := sc.selectIn(snap)
	out := make([]int, 0, len(in))
	for _, p := range in {
		out = append(out, p.PID)
	}
	return out
}

func TestScope(t *testing.T) {
	snap := scopeSnapshot()
	sc := newScope(scopeBase(), 30)
	sc.uid = me
	if got, want := selected(t, sc, snap), []int{11, 20, 50, 51}; !slices.Equal(got, want) {
		t.Errorf("default scope %v, want %v", got, want)
	}
	wider := sc
	wider.attached = true
	if got, want := selected(t, wider, snap), []int{11, 20, 40, 42, 50, 51, 70}; !slices.Equal(got, want) {
		t.Errorf("--attached: %v, want %v", got, want)
	}
	wider = sc
	wider.uid = -1
	if got, want := selected(t, wider, snap), []int{11, 20, 21, 23, 50, 51}; !slices.Equal(got, want) {
		t.Errorf("--any-user: %v, want %v", got, want)
	}
	sub := sc
	sub.reaper = 900
	if got, want := selected(t, sub, snap), []int{70}; !slices.Equal(got, want) {
		t.Errorf("under the subreaper 900: %v, want %v", got, want)
	}
	narrow := sc
	narrow.markers = []markerSel{{key: "SYSPRIMS_RUN_ID", value: "r"}}
	if got := selected(t, narrow, snap); len(got) != 0 {
		t.Errorf("--marker on another user's process: %v, want none", got)
	}
	snap[5].Markers = map[string]string{"SYSPRIMS_RUN_ID": "r"} // pid 20
	if got, want := selected(t, narrow, snap), []int{20}; !slices.Equal(got, want) {
		t.Errorf("--marker: %v, want %v", got, want)
	}
}

// TestScopeBelowSubreaper: below a reaper that is not init (900, in
// session 800), a direct child is detached only when it provably escaped:
// its session is neither the reaper's nor its own (a double fork whose
// session leader is gone). The reaper's plain children and setsid
// children may be its own live ones: held, reported only, with what runs
// below them.
func TestScopeBelowSubreaper(t *testing.T) {
	in := func(pid, ppid, sid int) proc.ProcessInfo {
		p := mine(pid, ppid, time.Second)
		p.SID = sid
		return p
	}
	reaper := mine(900, 1, -time.Minute)
	reaper.SID = 800
	snap := []proc.ProcessInfo{
		{PID: 1, StartTimeUnixMs: ms(-time.Hour)}, reaper,
		in(71, 900, 800), // the reaper's plain child
		in(72, 900, 72),  // a session leader: the reaper may have started it with setsid
		in(73, 900, 555), // its session's leader is gone: escaped by a double fork
		in(74, 71, 800),  // below a held child
		in(75, 73, 555),  // below the escaped daemon
	}
	sc := newScope(baselineDoc{Taken: t0, Processes: snap[:2]}, 30)
	sc.uid, sc.reaper = me, 900
	sc.fill = func([]proc.ProcessInfo) {}
	got, _ := sc.selectIn(snap)
	var removed, held []int
	for _, p := range got {
		if p.held == "" {
			removed = append(removed, p.PID)
		} else if strings.Contains(p.held, "below the subreaper 900 (not init)") {
			held = append(held, p.PID)
		}
	}
	if want := []int{73, 75}; !slices.Equal(removed, want) {
		t.Errorf("removable below the subreaper: %v, want %v", removed, want)
	}
	if want := []int{71, 72, 74}; !slices.Equal(held, want) {
		t.Errorf("held below the subreaper: %v, want %v", held, want)
	}
	atInit := sc
	atInit.reaper = 1
	for i := range snap[2:] {
		snap[2+i].PPID = 1
	}
	if got, _ := atInit.selectIn(snap); len(got) != 5 || slices.ContainsFunc(got, func(p pick) bool { return p.held != "" }) {
		t.Errorf("below init every orphan is detached: %+v", got)
	}
}

// TestScopePID2 is a container whose pid 2 is the job shell, started
// after the baseline: it and its child are in scope, whatever their pids.
func TestScopePID2(t *testing.T) {
	base := baselineDoc{Taken: t0, Processes: []proc.ProcessInfo{{PID: 1, StartTimeUnixMs: ms(-time.Hour)}}}
	snap := []proc.ProcessInfo{{PID: 1, StartTimeUnixMs: ms(-time.Hour)}, mine(2, 1, time.Second), mine(3, 2, time.Second), mine(4, 1, time.Second)}
	sc := newScope(base, 4)
	sc.uid = me
	if got, want := selected(t, sc, snap), []int{2, 3}; !slices.Equal(got, want) {
		t.Errorf("scope %v, want %v", got, want)
	}
}

// TestScopeNoReparenting is Windows, where an orphan keeps its dead
// parent's pid: a parent that is gone, or whose pid now names a younger
// process, makes a process detached.
func TestScopeNoReparenting(t *testing.T) {
	base := baselineDoc{Taken: t0, Processes: []proc.ProcessInfo{{PID: 4, StartTimeUnixMs: ms(-time.Hour)}}}
	snap := []proc.ProcessInfo{
		{PID: 4, StartTimeUnixMs: ms(-time.Hour)},
		mine(80, 81, time.Second),  // parent gone
		mine(82, 83, time.Second),  // parent pid reused by a younger process
		mine(83, 4, 2*time.Second), // that younger process: its parent lives
		mine(84, 4, time.Second),   // parent alive and older
		mine(86, 0, time.Second),   // no parent at all
	}
	sc := newScope(base, 99)
	sc.uid, sc.reaper = me, 0
	if got, want := selected(t, sc, snap), []int{80, 82}; !slices.Equal(got, want) {
		t.Errorf("scope %v, want %v", got, want)
	}
}

func TestComparable(t *testing.T) {
	here := proc.Origin{BootID: "b", MachineID: "m", PIDNamespace: "pid:[1]", UserNamespace: "user:[2]", UID: 1001}
	if err := comparable(&here, here); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		mut  func(*proc.Origin)
		want string
	}{
		"boot":           {func(o *proc.Origin) { o.BootID = "x" }, "taken in another boot (boot id): x there, b here"},
		"machine":        {func(o *proc.Origin) { o.MachineID = "" }, "another machine (machine id): none there, m here"},
		"pid namespace":  {func(o *proc.Origin) { o.PIDNamespace = "pid:[9]" }, "another pid namespace"},
		"user namespace": {func(o *proc.Origin) { o.UserNamespace = "user:[9]" }, "another user namespace"},
		"uid":            {func(o *proc.Origin) { o.UID = 0 }, "another user (uid): 0 there, 1001 here"},
	}
	for name, tc := range cases {
		base := here
		tc.mut(&base)
		if err := comparable(&base, here); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if err := comparable(nil, here); err == nil || !strings.Contains(err.Error(), "records no origin") {
		t.Errorf("no origin: %v", err)
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

// TestScopeReportsPartners: a process in scope that the guard refuses as
// a pipeline partner (a daemon that kept the caller's output pipe) stays
// in scope, held: reported, not removed. One refused for another reason
// (an ancestor, a live helper) is left out. Before, a partner was left
// out, and check said "clean".
func TestScopeReportsPartners(t *testing.T) {
	snap := []proc.ProcessInfo{mine(20, 1, time.Second), mine(21, 1, time.Second), mine(22, 1, time.Second)}
	sc := newScope(scopeBase(), 30)
	sc.uid, sc.fill = me, func([]proc.ProcessInfo) {}
	sc.guard = func(p proc.ProcessInfo) error {
		switch p.PID {
		case 21:
			return fmt.Errorf("%w: pid 21 shares the caller's pipe:[7]", owner.ErrPartner)
		case 22:
			return owner.ErrProtected
		}
		return nil
	}
	in, guarded := sc.selectIn(snap)
	if len(in) != 2 || guarded != 1 || in[0].held != "" || in[1].PID != 21 {
		t.Fatalf("selectIn = %+v, %d guarded; want 20 (removable) and 21 (held), 22 guarded", in, guarded)
	}
	if !strings.Contains(in[1].held, "shares the caller's pipe: reported, not removed") {
		t.Errorf("partner held %q", in[1].held)
	}
}
