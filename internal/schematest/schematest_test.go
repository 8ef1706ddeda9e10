package schematest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSchemas writes name->content files into a temp dir and loads main.
func writeSchemas(t *testing.T, files map[string]string) (*Schema, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Load(filepath.Join(dir, "main.json"))
}

const mainSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "x", "title": "t", "description": "d",
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "kind"],
  "properties": {
    "id": {"type": "integer", "minimum": 1, "maximum": 10},
    "kind": {"enum": ["a", "b"]},
    "version": {"const": 2},
    "ratio": {"type": "number", "minimum": 0.5},
    "note": {"type": ["string", "null"]},
    "tags": {"type": "array", "minItems": 1, "items": {"type": "string"}},
    "child": {"$ref": "#/$defs/child"},
    "other": {"$ref": "other.json"},
    "deep": {"$ref": "other.json#/$defs/leaf"},
    "labels": {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}, "additionalProperties": {"type": "string"}},
    "code": {"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[A-Z]"},
    "never": false,
    "any": true
  },
  "$defs": {
    "child": {"type": "object", "additionalProperties": false, "properties": {"ok": {"type": "boolean"}}}
  }
}`

const otherSchema = `{"type": "object", "required": ["x"], "$defs": {"leaf": {"type": "string", "format": "date-time"}}}`

func TestValidate(t *testing.T) {
	s, err := writeSchemas(t, map[string]string{"main.json": mainSchema, "other.json": otherSchema})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, doc, wantErr string
	}{
		{"minimal", `{"id": 1, "kind": "a"}`, ""},
		{"everything", `{"id": 10.0, "kind": "b", "version": 2.0, "ratio": 0.5, "note": null, "tags": ["x"],
			"child": {"ok": true}, "other": {"x": 1}, "deep": "2024", "labels": {"k": "v"}, "code": "AÄ", "any": [1]}`, ""},
		{"missing required", `{"id": 1}`, `/: required property "kind" missing`},
		{"extra property", `{"id": 1, "kind": "a", "zzz": 1}`, "/zzz: property not allowed"},
		{"not integer", `{"id": 1.5, "kind": "a"}`, "/id: type number, want integer"},
		{"below minimum", `{"id": 0, "kind": "a"}`, "/id: value 0 below minimum 1"},
		{"above maximum", `{"id": 11, "kind": "a"}`, "/id: value 11 above maximum 10"},
		{"fraction below minimum", `{"id": 1, "kind": "a", "ratio": 0.49}`, "/ratio: value 0.49 below minimum 0.5"},
		{"enum", `{"id": 1, "kind": "c"}`, `/kind: value "c" not in enum ["a","b"]`},
		{"const", `{"id": 1, "kind": "a", "version": 3}`, "/version: value 3, want const 2"},
		{"type list", `{"id": 1, "kind": "a", "note": 5}`, `/note: type number, want [string null]`},
		{"items", `{"id": 1, "kind": "a", "tags": ["x", 2]}`, "/tags/1: type number, want string"},
		{"minItems", `{"id": 1, "kind": "a", "tags": []}`, "/tags: 0 items, want at least 1"},
		{"local ref", `{"id": 1, "kind": "a", "child": {"ok": 1}}`, "/child/ok: type number, want boolean"},
		{"local ref strict", `{"id": 1, "kind": "a", "child": {"no": 1}}`, "/child/no: property not allowed"},
		{"file ref", `{"id": 1, "kind": "a", "other": {}}`, `/other: required property "x" missing`},
		{"file fragment ref", `{"id": 1, "kind": "a", "deep": 1}`, "/deep: type number, want string"},
		{"additionalProperties schema", `{"id": 1, "kind": "a", "labels": {"k": 1}}`, "/labels/k: type number, want string"},
		{"propertyNames", `{"id": 1, "kind": "a", "labels": {"K": "v"}}`, `/labels/K (name): string "K" does not match pattern "^[a-z]+$"`},
		{"minLength", `{"id": 1, "kind": "a", "code": "A"}`, "shorter than minLength 2"},
		{"maxLength", `{"id": 1, "kind": "a", "code": "ABCD"}`, "longer than maxLength 3"},
		{"pattern", `{"id": 1, "kind": "a", "code": "ab"}`, `does not match pattern "^[A-Z]"`},
		{"false schema", `{"id": 1, "kind": "a", "never": 1}`, "/never: no value is allowed"},
		{"root type", `[1]`, "/: type array, want object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Validate([]byte(tt.doc))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateReportsEveryViolation(t *testing.T) {
	s, err := writeSchemas(t, map[string]string{"main.json": mainSchema, "other.json": otherSchema})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Validate([]byte(`{"id": 0, "zzz": 1}`))
	if err == nil || strings.Count(err.Error(), "\n") != 2 {
		t.Fatalf("want three violations, got %v", err)
	}
}

func TestValidateValue(t *testing.T) {
	s, err := writeSchemas(t, map[string]string{"main.json": mainSchema, "other.json": otherSchema})
	if err != nil {
		t.Fatal(err)
	}
	type doc struct {
		ID   int    `json:"id"`
		Kind string `json:"kind"`
	}
	if err := s.ValidateValue(doc{1, "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.ValidateValue(doc{1, "z"}); err == nil {
		t.Fatal("enum violation passed")
	}
	if err := s.ValidateValue(func() {}); err == nil {
		t.Fatal("unmarshalable value passed")
	}
	if err := s.Validate([]byte(`{"id": 1,`)); err == nil {
		t.Fatal("broken document passed")
	}
	if err := s.Validate([]byte(`{"id": 1, "kind": "a"} {}`)); err == nil {
		t.Fatal("trailing data passed")
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{"unsupported keyword", map[string]string{"main.json": `{"properties": {"a": {"uniqueItems": true}}}`}, `#/properties/a: unsupported keyword "uniqueItems"`},
		{"unsupported in defs", map[string]string{"main.json": `{"$defs": {"a": {"oneOf": []}}}`}, `unsupported keyword "oneOf"`},
		{"unsupported in items", map[string]string{"main.json": `{"items": {"anyOf": []}}`}, `unsupported keyword "anyOf"`},
		{"unsupported in referenced file", map[string]string{"main.json": `{"$ref": "o.json"}`, "o.json": `{"if": true}`}, `o.json #: unsupported keyword "if"`},
		{"missing ref target", map[string]string{"main.json": `{"$ref": "#/$defs/none", "$defs": {}}`}, `no "none"`},
		{"bad pattern", map[string]string{"main.json": `{"pattern": "("}`}, "pattern: error parsing regexp"},
		{"pattern not string", map[string]string{"main.json": `{"pattern": 1}`}, "pattern must be a string"},
		{"missing file", map[string]string{"main.json": `{"$ref": "none.json"}`}, "none.json"},
		{"remote ref", map[string]string{"main.json": `{"$ref": "https://example.com/x.json"}`}, "only sibling files"},
		{"bad fragment", map[string]string{"main.json": `{"$ref": "#defs"}`}, "not a JSON pointer"},
		{"not a schema", map[string]string{"main.json": `{"properties": {"a": 1}}`}, "must be an object or a boolean"},
		{"broken json", map[string]string{"main.json": `{`}, "main.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := writeSchemas(t, tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Load error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestCyclicRefFails(t *testing.T) {
	s, err := writeSchemas(t, map[string]string{"main.json": `{"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/a"}}}`})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate([]byte(`1`)); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("cyclic $ref: %v", err)
	}
}

func TestRepositorySchemasLoad(t *testing.T) {
	files, err := filepath.Glob("../../schemas/*.schema.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schema files found: %v", err)
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
