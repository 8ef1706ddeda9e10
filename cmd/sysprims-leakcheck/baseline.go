package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// baselineDoc is a process snapshot written earlier by
// "sysprims-leakcheck snapshot --json".
type baselineDoc struct {
	Taken     time.Time
	Processes []proc.ProcessInfo
}

// maxBaselineSize bounds what readBaseline reads: a snapshot of 100k
// processes with command lines stays well under it.
const maxBaselineSize = 64 << 20

// readBaseline reads and checks the baseline file at path.
func readBaseline(path string) (baselineDoc, error) {
	f, err := os.Open(path)
	if err != nil {
		return baselineDoc{}, fmt.Errorf("baseline: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBaselineSize+1))
	if err != nil {
		return baselineDoc{}, fmt.Errorf("baseline %s: %w", path, err)
	}
	doc, err := parseBaseline(data)
	if err != nil {
		return baselineDoc{}, fmt.Errorf("baseline %s: %w", path, err)
	}
	return doc, nil
}

// parseBaseline decodes a snapshot document: schema_id must be the process
// snapshot's, timestamp and processes must be present.
func parseBaseline(data []byte) (baselineDoc, error) {
	if len(data) > maxBaselineSize {
		return baselineDoc{}, errors.New("file too large")
	}
	var raw struct {
		SchemaID  *string            `json:"schema_id"`
		Timestamp json.RawMessage    `json:"timestamp"`
		Processes []proc.ProcessInfo `json:"processes"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return baselineDoc{}, fmt.Errorf("malformed JSON: %v", err)
	}
	if dec.More() {
		return baselineDoc{}, errors.New("malformed JSON: data after the document")
	}
	return checkBaseline(raw.SchemaID, raw.Timestamp, raw.Processes)
}

func checkBaseline(schemaID *string, ts json.RawMessage, ps []proc.ProcessInfo) (baselineDoc, error) {
	if schemaID == nil || *schemaID != proc.SnapshotSchemaID {
		return baselineDoc{}, fmt.Errorf("not a process snapshot (want schema_id %q)", proc.SnapshotSchemaID)
	}
	taken, err := parseTimestamp(ts)
	if err != nil {
		return baselineDoc{}, err
	}
	if len(ps) == 0 {
		return baselineDoc{}, errors.New("no processes in the snapshot")
	}
	for _, p := range ps {
		if p.PID <= 0 {
			return baselineDoc{}, fmt.Errorf("invalid pid %d in the snapshot", p.PID)
		}
	}
	return baselineDoc{Taken: taken, Processes: ps}, nil
}

// parseTimestamp accepts an RFC 3339 string or a number of milliseconds
// since the Unix epoch.
func parseTimestamp(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, errors.New("no timestamp in the snapshot")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("bad timestamp %q", s)
		}
		return t, nil
	}
	ms, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, fmt.Errorf("bad timestamp %s", raw)
	}
	return time.UnixMilli(ms), nil
}
