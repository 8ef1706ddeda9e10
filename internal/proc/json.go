package proc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// snapshotDoc is the JSON document of a snapshot.
type snapshotDoc struct {
	SchemaID  string        `json:"schema_id"`
	Timestamp string        `json:"timestamp"`
	Origin    *Origin       `json:"origin,omitempty"`
	Filter    *Filter       `json:"filter,omitempty"`
	Processes []ProcessInfo `json:"processes"`
}

// Document is a snapshot read back by [UnmarshalSnapshot].
type Document struct {
	Taken     time.Time     // when the snapshot was taken
	Origin    *Origin       // where and by whom; nil in a document written without one
	Filter    *Filter       // the filter it was reduced by, or nil for all processes
	Processes []ProcessInfo // sorted by pid
}

// timestampLayout is RFC 3339 with milliseconds.
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalSnapshot renders ps as the JSON document described by
// schemas/process-snapshot.schema.json:
// {"schema_id": SnapshotSchemaID, "timestamp": RFC 3339, "origin": {...},
// "processes": [...]}, with the caller's [CurrentOrigin], and with
// "filter" when f is not nil (ps was reduced by it, so the document is not
// a full picture of the machine).
func MarshalSnapshot(ps []ProcessInfo, f *Filter) ([]byte, error) {
	o := CurrentOrigin()
	return marshalSnapshotAt(ps, f, &o, time.Now())
}

func marshalSnapshotAt(ps []ProcessInfo, f *Filter, o *Origin, at time.Time) ([]byte, error) {
	if ps == nil {
		ps = []ProcessInfo{}
	}
	doc := snapshotDoc{SnapshotSchemaID, at.UTC().Format(timestampLayout), o, f, ps}
	return json.Marshal(doc)
}

// UnmarshalSnapshot parses a document written by [MarshalSnapshot]. A
// document with another schema_id, or without a timestamp, is an error.
func UnmarshalSnapshot(data []byte) (Document, error) {
	var doc snapshotDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return Document{}, fmt.Errorf("sysprims: snapshot json: %w", err)
	}
	if doc.SchemaID != SnapshotSchemaID {
		return Document{}, fmt.Errorf("sysprims: snapshot json: schema_id %q, want %q", doc.SchemaID, SnapshotSchemaID)
	}
	at, err := time.Parse(time.RFC3339Nano, doc.Timestamp)
	if err != nil {
		return Document{}, fmt.Errorf("sysprims: snapshot json: timestamp: %w", err)
	}
	if y := at.UTC().Year(); y < 0 || y > 9999 {
		return Document{}, fmt.Errorf("sysprims: snapshot json: timestamp %q is out of range in UTC", doc.Timestamp)
	}
	sortByPID(doc.Processes)
	return Document{Taken: at, Origin: doc.Origin, Filter: doc.Filter, Processes: doc.Processes}, nil
}

// ParseFilterJSON parses the JSON form of a [Filter]
// (schemas/process-filter.schema.json), rejecting unknown keys and bad
// values with the errors of [ParseFilter].
func ParseFilterJSON(data []byte) (Filter, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Filter{}, &FilterError{Reason: "bad json: " + err.Error()}
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if _, ok := filterKeys[k]; !ok {
			return Filter{}, &FilterError{Reason: fmt.Sprintf("unknown key %q", k)}
		}
	}
	var f Filter
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return Filter{}, &FilterError{Reason: "bad json: " + err.Error()}
	}
	if err := f.validate(); err != nil {
		return Filter{}, err
	}
	return f, nil
}

// validate checks the values that the JSON types alone do not. An empty
// list matches no process, and would be dropped when the filter is written
// back (as a filter that matches every process): it is refused, as the
// key=value form refuses it.
func (f Filter) validate() error {
	if f.PIDIn != nil && len(f.PIDIn) == 0 {
		return &FilterError{Key: "pid_in", Reason: "empty list"}
	}
	if f.StateIn != nil && len(f.StateIn) == 0 {
		return &FilterError{Key: "state_in", Reason: "empty list"}
	}
	for _, pid := range f.PIDIn {
		if !validPID(pid) {
			return &FilterError{Key: "pid_in", Reason: fmt.Sprintf("bad pid \"%d\"", pid)}
		}
	}
	if f.PPID != nil && *f.PPID != 0 && !validPID(*f.PPID) {
		return &FilterError{Key: "ppid", Reason: fmt.Sprintf("bad pid \"%d\"", *f.PPID)}
	}
	for _, s := range f.StateIn {
		if !s.Valid() {
			return &FilterError{Key: "state_in", Reason: fmt.Sprintf("unknown state %q", s)}
		}
	}
	if c := f.CPUAbove; c != nil && (*c < 0 || *c > 100) {
		return &FilterError{Key: "cpu_above", Reason: fmt.Sprintf("bad percent \"%g\" (want 0..100)", *c)}
	}
	return nil
}
