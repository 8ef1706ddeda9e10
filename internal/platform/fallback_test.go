package platform

import (
	"errors"
	"strings"
	"testing"

	"github.com/3leaps/sysprims-go/internal/telemetry"
)

// TestNoteFallback: a fallback event says what was asked for, what was
// made, and why; none when the container is the one wanted.
func TestNoteFallback(t *testing.T) {
	caps := Caps{Mechanisms: []Mechanism{MechanismSubreaper, MechanismProcessGroup},
		Notes: []string{"cgroup_v2: cannot make a child cgroup: permission denied", "other: note"}}
	tests := []struct {
		name   string
		asked  Mechanism
		got    Mechanism
		failed []error
		why    string // "" when no event is wanted
	}{
		{"auto, strongest missing", MechanismAuto, MechanismSubreaper, nil, "cgroup_v2: cannot make a child cgroup: permission denied"},
		{"asked, missing", MechanismCgroup, MechanismSubreaper, nil, "cgroup_v2: cannot make a child cgroup: permission denied"},
		{"asked another system's", MechanismJobObject, MechanismSubreaper, nil, "job_object: not available on "},
		{"asked, made", MechanismSubreaper, MechanismSubreaper, nil, ""},
		{"asked the group", MechanismProcessGroup, MechanismProcessGroup, nil, ""},
		{"a candidate failed", MechanismSubreaper, MechanismProcessGroup, []error{errors.New("subreaper: no helper")}, "subreaper: no helper"},
	}
	usable := Caps{Mechanisms: []Mechanism{MechanismCgroup, MechanismSubreaper, MechanismProcessGroup},
		Notes: []string{"cgroup_v2: no pids controller delegated: peak processes unmeasured"}}
	var rec telemetry.Recorder
	noteFallback(Spec{Logger: rec.Logger()}, usable, MechanismSubreaper, []error{errors.New("cgroup_v2: leaf: busy")})
	if evs := rec.Events(""); len(evs) != 1 || evs[0].Attrs["why"] != "cgroup_v2: leaf: busy" {
		t.Errorf("a usable mechanism that failed to build: %+v, want its error alone as the reason", evs)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec telemetry.Recorder
			noteFallback(Spec{Mechanism: tt.asked, Name: "run-1", Logger: rec.Logger()}, caps, tt.got, tt.failed)
			evs := rec.Events(telemetry.FallbackChosen)
			if tt.why == "" {
				if len(evs) != 0 {
					t.Errorf("unexpected fallback event %+v", evs)
				}
				return
			}
			if len(evs) != 1 {
				t.Fatalf("events %+v, want one fallback", rec.Events(""))
			}
			a := evs[0].Attrs
			if a[telemetry.KeyTreeID] != "run-1" || a["requested"] != groupingName(tt.asked) || a[telemetry.KeyMechanism] != string(tt.got) ||
				a[telemetry.KeyReliability] != string(ReliabilityOf(tt.got)) || !strings.Contains(a["why"], tt.why) {
				t.Errorf("fallback attrs %v, want why %q", a, tt.why)
			}
		})
	}
	noteFallback(Spec{Mechanism: MechanismJobObject}, caps, MechanismSubreaper, nil) // no logger: nothing, no panic
}
