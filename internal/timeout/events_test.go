//go:build unix

package timeout

import (
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/telemetry"
)

// TestEventsOfATeardown: a tree that ignores its polite signal is
// reported started, signalled, escalated; the logger reaches the
// container's spec (for its fallback event); a nil logger emits nothing.
func TestEventsOfATeardown(t *testing.T) {
	f := &fakeContainer{ignoreTerm: true}
	spec := useFake(t, f)
	var rec telemetry.Recorder
	tr, err := Start(exec.Command("sleep", "30"), Config{Grace: 50 * time.Millisecond, Signal: syscall.SIGINT, Logger: rec.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SignalRoot(syscall.SIGWINCH); err != nil { // sleep ignores it
		t.Fatal(err)
	}
	o := tr.Stop()
	if spec.Logger == nil {
		t.Error("the container's spec has no logger")
	}
	pid := strconv.Itoa(tr.PID())
	want := []struct{ name, key, value string }{
		{telemetry.TreeStarted, telemetry.KeyMechanism, string(platform.MechanismCgroup)},
		{telemetry.SignalSent, telemetry.KeyTarget, "root"},
		{telemetry.SignalSent, telemetry.KeySignal, "SIGINT"},
		{telemetry.Escalated, "grace_ms", "50"},
	}
	evs := rec.Events("")
	if len(evs) != len(want) || !o.Escalated {
		t.Fatalf("events %+v (escalated %v), want %d", evs, o.Escalated, len(want))
	}
	for i, w := range want {
		e := evs[i]
		if e.Name != w.name || e.Attrs[w.key] != w.value || e.Attrs[telemetry.KeyPID] != pid || e.Attrs[telemetry.KeyTreeID] != tr.TreeID() {
			t.Errorf("event %d = %+v, want %s with %s=%s", i, e, w.name, w.key, w.value)
		}
	}
	if evs[0].Attrs[telemetry.KeyReliability] != string(platform.Guaranteed) {
		t.Errorf("tree_started %v", evs[0].Attrs)
	}

	f2 := &fakeContainer{}
	useFake(t, f2)
	if _, err := Run(exec.Command("true"), Config{}); err != nil { // no logger: nothing, no panic
		t.Fatal(err)
	}
}
