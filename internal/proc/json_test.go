package proc

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/schematest"
)

func loadSchema(t *testing.T, name string) *schematest.Schema {
	t.Helper()
	s, err := schematest.Load("../../schemas/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSnapshotSchemaIsStrict proves the schema test can fail.
func TestSnapshotSchemaIsStrict(t *testing.T) {
	s := loadSchema(t, "process-snapshot.schema.json")
	bad := []struct{ name, doc string }{
		{"unknown field", `{"schema_id":"` + SnapshotSchemaID + `","timestamp":"x","processes":[{"pid":1,"ppid":0,"pgid":0,"sid":0,"name":"a","state":"running","start_time_unix_ms":1,"thread_count":1,"memory_kb":1,"color":"red"}]}`},
		{"bad state", `{"schema_id":"` + SnapshotSchemaID + `","timestamp":"x","processes":[{"pid":1,"ppid":0,"pgid":0,"sid":0,"name":"a","state":"napping","start_time_unix_ms":1,"thread_count":1,"memory_kb":1}]}`},
		{"missing pgid", `{"schema_id":"` + SnapshotSchemaID + `","timestamp":"x","processes":[{"pid":1,"ppid":0,"sid":0,"name":"a","state":"running","start_time_unix_ms":1,"thread_count":1,"memory_kb":1}]}`},
		{"wrong schema_id", `{"schema_id":"other","timestamp":"x","processes":[]}`},
		{"extra top-level", `{"schema_id":"` + SnapshotSchemaID + `","timestamp":"x","processes":[],"host":"h"}`},
		{"origin without uid", `{"schema_id":"` + SnapshotSchemaID + `","timestamp":"x","origin":{"boot_id":"b"},"processes":[]}`},
		{"origin, bad namespace", `{"schema_id":"` + SnapshotSchemaID + `","timestamp":"x","origin":{"uid":0,"pid_namespace":"4026531836"},"processes":[]}`},
		{"origin, unknown field", `{"schema_id":"` + SnapshotSchemaID + `","timestamp":"x","origin":{"uid":0,"host":"h"},"processes":[]}`},
	}
	for _, tt := range bad {
		if err := s.Validate([]byte(tt.doc)); err == nil {
			t.Errorf("%s: validated", tt.name)
		}
	}
}

func TestSchemaIDsMatchFiles(t *testing.T) {
	for file, id := range map[string]string{"process-snapshot.schema.json": SnapshotSchemaID, "process-filter.schema.json": FilterSchemaID} {
		b, err := os.ReadFile("../../schemas/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.ID != id {
			t.Errorf("%s: $id %q, want %q (%v)", file, doc.ID, id, err)
		}
	}
}

func TestFilterJSONMatchesSchema(t *testing.T) {
	f, err := ParseFilter([]string{"name_contains=a", "user_equals=u", "pid_in=1,2", "ppid=0", "state_in=zombie,disk-sleep",
		"cpu_above=5", "memory_above_kb=1", "running_for_at_least_secs=2"})
	if err != nil {
		t.Fatal(err)
	}
	s := loadSchema(t, "process-filter.schema.json")
	if err := s.ValidateValue(f); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate([]byte(`{"state_in":["napping"]}`)); err == nil {
		t.Error("bad state validated")
	}
	b, _ := json.Marshal(f)
	back, err := ParseFilterJSON(b)
	if err != nil || !reflect.DeepEqual(back, f) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	in := []ProcessInfo{{PID: 1, Name: "init", State: StateSleeping, Markers: map[string]string{"SYSPRIMS_RUN_ID": "r"}}}
	origin := Origin{BootID: "b", MachineID: "m", PIDNamespace: "pid:[1]", UserNamespace: "user:[2]", UID: 1001}
	b, err := marshalSnapshotAt(in, nil, &origin, at)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"timestamp":"2026-01-02T03:04:05.006Z"`) {
		t.Errorf("timestamp in %s", b)
	}
	doc, err := UnmarshalSnapshot(b)
	if err != nil || !reflect.DeepEqual(doc.Processes, in) || !doc.Taken.Equal(at) || doc.Filter != nil || *doc.Origin != origin {
		t.Errorf("UnmarshalSnapshot = %+v, %v", doc, err)
	}
	f, err := ParseFilter([]string{"name_equals=init"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = marshalSnapshotAt(in, &f, nil, at); err != nil {
		t.Fatal(err)
	}
	if doc, err = UnmarshalSnapshot(b); err != nil || doc.Filter == nil || doc.Filter.NameEquals != "init" || doc.Origin != nil {
		t.Errorf("filtered snapshot read back as %+v, %v", doc, err)
	}
	if empty, _ := MarshalSnapshot(nil, nil); !strings.Contains(string(empty), `"processes":[]`) {
		t.Errorf("nil snapshot: %s", empty)
	}
	for _, bad := range []string{`{`, `{"schema_id":"x"}`, `{"schema_id":"` + SnapshotSchemaID + `","timestamp":"yesterday"}`} {
		if _, err := UnmarshalSnapshot([]byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "sysprims: ") {
			t.Errorf("UnmarshalSnapshot(%s) error %v", bad, err)
		}
	}
}
