package schematest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxRefDepth bounds $ref chains so that a cyclic schema fails instead of
// recursing forever.
const maxRefDepth = 64

// validate appends to errs every way v (at JSON pointer path) violates the
// schema node of file.
func (s *Schema) validate(file string, node, v any, path string, errs *[]error) {
	switch n := node.(type) {
	case bool:
		if !n {
			s.fail(errs, path, "no value is allowed here")
		}
		return
	case map[string]any:
		s.validateObject(file, n, v, path, errs)
	}
}

func (s *Schema) fail(errs *[]error, path, format string, args ...any) {
	if path == "" {
		path = "/"
	}
	*errs = append(*errs, fmt.Errorf("schematest: %s: %s", path, fmt.Sprintf(format, args...)))
}

func (s *Schema) validateObject(file string, n map[string]any, v any, path string, errs *[]error) {
	if ref, ok := n["$ref"].(string); ok {
		s.validateRef(file, ref, v, path, errs)
	}
	if t, ok := n["type"]; ok && !typeMatches(t, v) {
		s.fail(errs, path, "type %s, want %v", typeName(v), t)
		return
	}
	s.validateValue(n, v, path, errs)
	switch val := v.(type) {
	case map[string]any:
		s.validateProperties(file, n, val, path, errs)
	case []any:
		s.validateItems(file, n, val, path, errs)
	}
}

func (s *Schema) validateRef(file, ref string, v any, path string, errs *[]error) {
	if s.depth >= maxRefDepth {
		s.fail(errs, path, "$ref %q nested too deeply", ref)
		return
	}
	target, node, err := s.resolve(file, ref)
	if err != nil {
		*errs = append(*errs, err)
		return
	}
	s.depth++
	s.validate(target, node, v, path, errs)
	s.depth--
}

// validateValue checks enum, const, minimum and maximum.
func (s *Schema) validateValue(n map[string]any, v any, path string, errs *[]error) {
	if enum, ok := n["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return equal(e, v) }) {
		s.fail(errs, path, "value %s not in enum %s", show(v), show(enum))
	}
	if c, ok := n["const"]; ok && !equal(c, v) {
		s.fail(errs, path, "value %s, want const %s", show(v), show(c))
	}
	if str, ok := v.(string); ok {
		s.validateString(n, str, path, errs)
	}
	num, isNum := v.(json.Number)
	if !isNum {
		return
	}
	if m, ok := n["minimum"].(json.Number); ok && compare(num, m) < 0 {
		s.fail(errs, path, "value %s below minimum %s", num, m)
	}
	if m, ok := n["maximum"].(json.Number); ok && compare(num, m) > 0 {
		s.fail(errs, path, "value %s above maximum %s", num, m)
	}
}

// validateString checks minLength, maxLength (in code points) and pattern
// (unanchored, as in JSON Schema).
func (s *Schema) validateString(n map[string]any, str, path string, errs *[]error) {
	length := int64(utf8.RuneCountInString(str))
	if m, ok := n["minLength"].(json.Number); ok {
		if want, err := m.Int64(); err == nil && length < want {
			s.fail(errs, path, "string %q shorter than minLength %d", str, want)
		}
	}
	if m, ok := n["maxLength"].(json.Number); ok {
		if want, err := m.Int64(); err == nil && length > want {
			s.fail(errs, path, "string %q longer than maxLength %d", str, want)
		}
	}
	if p, ok := n["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
		s.fail(errs, path, "string %q does not match pattern %q", str, p)
	}
}

func (s *Schema) validateProperties(file string, n map[string]any, obj map[string]any, path string, errs *[]error) {
	req, _ := n["required"].([]any)
	for _, r := range req {
		if k, _ := r.(string); k != "" {
			if _, ok := obj[k]; !ok {
				s.fail(errs, path, "required property %q missing", k)
			}
		}
	}
	if names, ok := n["propertyNames"]; ok {
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			s.validate(file, names, k, path+"/"+k+" (name)", errs)
		}
	}
	props, _ := n["properties"].(map[string]any)
	extra, hasExtra := n["additionalProperties"]
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		sub := path + "/" + k
		if p, ok := props[k]; ok {
			s.validate(file, p, obj[k], sub, errs)
		} else if hasExtra {
			s.validateExtra(file, extra, obj[k], sub, errs)
		}
	}
}

func (s *Schema) validateExtra(file string, extra, v any, path string, errs *[]error) {
	if b, ok := extra.(bool); ok && !b {
		s.fail(errs, path, "property not allowed (additionalProperties is false)")
		return
	}
	s.validate(file, extra, v, path, errs)
}

func (s *Schema) validateItems(file string, n map[string]any, arr []any, path string, errs *[]error) {
	if m, ok := n["minItems"].(json.Number); ok {
		if min, err := m.Int64(); err == nil && int64(len(arr)) < min {
			s.fail(errs, path, "%d items, want at least %d", len(arr), min)
		}
	}
	items, ok := n["items"]
	if !ok {
		return
	}
	for i, it := range arr {
		s.validate(file, items, it, path+"/"+strconv.Itoa(i), errs)
	}
}

// typeMatches reports whether v has the type (or one of the types) t.
func typeMatches(t, v any) bool {
	switch tt := t.(type) {
	case string:
		return isType(tt, v)
	case []any:
		return slices.ContainsFunc(tt, func(x any) bool { name, _ := x.(string); return isType(name, v) })
	}
	return false
}

func isType(name string, v any) bool {
	switch name {
	case "integer":
		n, ok := v.(json.Number)
		return ok && isInteger(n)
	case "number":
		_, ok := v.(json.Number)
		return ok
	}
	return typeName(v) == name
}

// typeName is the JSON Schema type of a decoded value ("number" for all numbers).
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// isInteger reports whether n has no fractional part (1.0 is an integer).
func isInteger(n json.Number) bool {
	r, ok := new(big.Rat).SetString(string(n))
	return ok && r.IsInt()
}

// compare compares two JSON numbers exactly.
func compare(a, b json.Number) int {
	ra, okA := new(big.Rat).SetString(string(a))
	rb, okB := new(big.Rat).SetString(string(b))
	if !okA || !okB {
		return 0
	}
	return ra.Cmp(rb)
}

// equal compares decoded JSON values, numbers by value.
func equal(a, b any) bool {
	na, okA := a.(json.Number)
	nb, okB := b.(json.Number)
	if okA && okB {
		return compare(na, nb) == 0
	}
	return reflect.DeepEqual(a, b)
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
