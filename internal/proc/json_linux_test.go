package proc

import (
	"os"
	"strings"
	"testing"
)

// TestSnapshotJSONMatchesSchema validates a real snapshot, with every
// field asked for, against schemas/process-snapshot.schema.json.
func TestSnapshotJSONMatchesSchema(t *testing.T) {
	startCat(t) // a process with markers
	snap, err := Snapshot(Options{Fields: FieldAll})
	if err != nil {
		t.Fatal(err)
	}
	out, err := MarshalSnapshot(snap, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"markers":{"SYSPRIMS_PROCTEST":"1"`) {
		t.Errorf("no process with markers in %.300s...", out)
	}
	if err := loadSchema(t, "process-snapshot.schema.json").Validate(out); err != nil {
		t.Fatal(err)
	}
	doc, err := UnmarshalSnapshot(out)
	if err != nil {
		t.Fatal(err)
	}
	if o := doc.Origin; o == nil || o.BootID == "" || !strings.HasPrefix(o.PIDNamespace, "pid:[") || o.UID != os.Geteuid() {
		t.Errorf("origin %+v", o)
	}
	fixture, err := Snapshot(Options{Root: fixtureRoot, Fields: FieldAll})
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFilter([]string{"name_contains=a", "state_in=sleeping,zombie", "memory_above_kb=1"})
	if err != nil {
		t.Fatal(err)
	}
	if out, err = MarshalSnapshot(f.Apply(fixture), &f); err != nil {
		t.Fatal(err)
	}
	if err := loadSchema(t, "process-snapshot.schema.json").Validate(out); err != nil {
		t.Fatal(err)
	}
}
