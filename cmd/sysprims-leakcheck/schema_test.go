package main

import (
	"path/filepath"
	"testing"

	"github.com/3leaps/sysprims-go/internal/schematest"
)

// schemaDir holds the repository's JSON schemas.
var schemaDir = filepath.Join("..", "..", "schemas")

// loadSchema loads one schema file of the repository.
func loadSchema(t *testing.T, name string) *schematest.Schema {
	t.Helper()
	s, err := schematest.Load(filepath.Join(schemaDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validateReport checks a JSON report against
// schemas/leakcheck-report.schema.json.
func validateReport(t *testing.T, data []byte) {
	t.Helper()
	if err := loadSchema(t, "leakcheck-report.schema.json").Validate(data); err != nil {
		t.Errorf("report does not match the schema: %v\n%s", err, data)
	}
}

// TestReportSchemaRejects makes sure the report schema is strict enough to
// fail a wrong report.
func TestReportSchemaRejects(t *testing.T) {
	s := loadSchema(t, "leakcheck-report.schema.json")
	head := `{"schema_id":"` + reportSchemaID + `","mode":"run","timestamp":"2025-01-01T00:00:00Z","duration_ms":0,"survivors":[],`
	bad := []string{
		`{}`,
		`{"schema_id":"x","mode":"run","status":"clean","timestamp":"2025-01-01T00:00:00Z","exit_code":0,"duration_ms":0,"leaked":[],"survivors":[]}`,
		head + `"status":"odd","exit_code":0,"leaked":[]}`,
		head + `"status":"clean","exit_code":300,"leaked":[]}`,
		head + `"status":"clean","exit_code":0,"leaked":[{"pid":1}]}`,
		head + `"status":"clean","exit_code":0,"leaked":[],"extra":1}`,
		head + `"status":"clean","exit_code":0,"leaked":[],"container_lost":""}`,
		head + `"status":"leaked","exit_code":3,"leaked":[{"pid":5,"ppid":1,"pgid":5,"sid":5,"name":"x","state":"sleeping","start_time_unix_ms":1,"thread_count":1,"memory_kb":1,"escape":["flew"],"reason":"r","killed":true}]}`,
	}
	for _, b := range bad {
		if err := s.Validate([]byte(b)); err == nil {
			t.Errorf("schema accepted %s", b)
		}
	}
}
