package telemetry

import (
	"log/slog"
	"testing"
)

func TestEmit(t *testing.T) {
	Emit(nil, TreeStarted) // a nil logger emits nothing, and does not panic
	var r Recorder
	for _, e := range Events() {
		Emit(r.Logger(), e, slog.Int(KeyPID, 7))
	}
	got := r.Events("")
	if len(got) != len(Events()) {
		t.Fatalf("recorded %d events, want %d", len(got), len(Events()))
	}
	for i, e := range got {
		if e.Name != Events()[i] || e.Attrs[KeyPID] != "7" || e.Level != levels[e.Name] {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	if n := len(r.Events(LeakFound)); n != 1 || r.Events(LeakFound)[0].Level != slog.LevelError {
		t.Errorf("Events(LeakFound): %v", r.Events(LeakFound))
	}
}
