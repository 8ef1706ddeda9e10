package schematest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Schema is a loaded schema file together with the sibling files its
// $refs name.
type Schema struct {
	mu    sync.Mutex // Validate keeps state (depth, lazily loaded refs)
	dir   string
	docs  map[string]any // file name -> parsed document
	file  string         // the file this Schema validates against
	depth int
}

// Load reads the schema file at path and every schema file it refers to,
// and checks that they use only the supported keywords.
func Load(path string) (*Schema, error) {
	s := &Schema{dir: filepath.Dir(path), docs: map[string]any{}, file: filepath.Base(path)}
	if _, err := s.doc(s.file); err != nil {
		return nil, err
	}
	return s, nil
}

// doc returns the parsed schema file name, loading and checking it (and
// the files it refers to) on first use.
func (s *Schema) doc(name string) (any, error) {
	if d, ok := s.docs[name]; ok {
		return d, nil
	}
	b, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return nil, fmt.Errorf("schematest: %w", err)
	}
	d, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("schematest: %s: %w", name, err)
	}
	s.docs[name] = d
	if err := s.check(name, d, "#"); err != nil {
		return nil, err
	}
	return d, nil
}

// decode parses JSON keeping numbers exact.
func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// Validate checks the JSON document doc against the schema and returns
// every violation, joined, each naming the JSON pointer of the value.
func (s *Schema) Validate(doc []byte) error {
	v, err := decode(doc)
	if err != nil {
		return fmt.Errorf("schematest: document: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	root := s.docs[s.file]
	var errs []error
	s.validate(s.file, root, v, "", &errs)
	return errors.Join(errs...)
}

// ValidateValue marshals v to JSON and validates the result.
func (s *Schema) ValidateValue(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("schematest: marshal: %w", err)
	}
	return s.Validate(b)
}

// annotations are keywords accepted and not checked.
var annotations = []string{"$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default", "format"}

// assertions are the keywords this validator checks.
var assertions = []string{"type", "required", "properties", "additionalProperties", "propertyNames",
	"items", "enum", "const", "minimum", "maximum", "minItems", "minLength", "maxLength", "pattern", "$ref"}

// check rejects unsupported keywords and loads referenced files.
func (s *Schema) check(file string, node any, at string) error {
	switch n := node.(type) {
	case bool:
		return nil
	case map[string]any:
		return s.checkObject(file, n, at)
	}
	return fmt.Errorf("schematest: %s %s: a schema must be an object or a boolean", file, at)
}

func (s *Schema) checkObject(file string, n map[string]any, at string) error {
	for _, k := range slices.Sorted(maps.Keys(n)) {
		if !slices.Contains(annotations, k) && !slices.Contains(assertions, k) {
			return fmt.Errorf("schematest: %s %s: unsupported keyword %q", file, at, k)
		}
	}
	if ref, ok := n["$ref"].(string); ok {
		if _, _, err := s.resolve(file, ref); err != nil {
			return err
		}
	}
	for _, group := range []string{"properties", "$defs"} {
		m, _ := n[group].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if err := s.check(file, m[k], at+"/"+group+"/"+k); err != nil {
				return err
			}
		}
	}
	if p, ok := n["pattern"]; ok {
		if err := checkPattern(p); err != nil {
			return fmt.Errorf("schematest: %s %s: %w", file, at, err)
		}
	}
	for _, k := range []string{"items", "additionalProperties", "propertyNames"} {
		if sub, ok := n[k]; ok {
			if err := s.check(file, sub, at+"/"+k); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolve finds the schema a $ref names, relative to file.
func (s *Schema) resolve(file, ref string) (string, any, error) {
	target, frag, _ := strings.Cut(ref, "#")
	if target == "" {
		target = file
	} else if strings.Contains(target, "/") || strings.Contains(target, ":") {
		return "", nil, fmt.Errorf("schematest: %s: $ref %q: only sibling files are supported", file, ref)
	}
	d, err := s.doc(target)
	if err != nil {
		return "", nil, err
	}
	node, err := pointer(d, frag)
	if err != nil {
		return "", nil, fmt.Errorf("schematest: %s: $ref %q: %w", file, ref, err)
	}
	return target, node, nil
}

// pointer follows a JSON pointer fragment ("" or "/$defs/name").
func pointer(d any, frag string) (any, error) {
	if frag == "" {
		return d, nil
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, fmt.Errorf("fragment %q is not a JSON pointer", frag)
	}
	for part := range strings.SplitSeq(frag[1:], "/") {
		m, ok := d.(map[string]any)
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		if d, ok = m[part]; !ok {
			return nil, fmt.Errorf("no %q in %q", part, frag)
		}
	}
	return d, nil
}

// checkPattern compiles a pattern. Go's RE2 syntax covers the usual
// ECMA-262 subset (classes, anchors, repetition) but not lookaround.
func checkPattern(p any) error {
	ps, ok := p.(string)
	if !ok {
		return errors.New("pattern must be a string")
	}
	if _, err := regexp.Compile(ps); err != nil {
		return fmt.Errorf("pattern: %w", err)
	}
	return nil
}
