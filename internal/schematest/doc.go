// Package schematest validates JSON documents against the JSON Schema
// files of this repository, so that tests can check real output against
// the published contract without a JSON Schema dependency.
//
// It implements the subset of JSON Schema 2020-12 the repository's
// schemas use: type (a name or a list of names), required, properties,
// additionalProperties (false or a schema), propertyNames, items, enum,
// const, minimum, maximum, minItems, minLength, maxLength, pattern (Go
// RE2 syntax, unanchored), and $ref to "#/$defs/NAME", to a sibling file
// "other.schema.json" or to "other.schema.json#/$defs/NAME". Annotations
// ($schema, $id, $comment, title, description, examples, default, format)
// are accepted and ignored. Any other keyword makes [Load] fail, so a
// schema can never silently claim a check this validator does not make.
//
//	s, err := schematest.Load("../../schemas/process-snapshot.schema.json")
//	...
//	if err := s.Validate(out); err != nil { t.Error(err) }
package schematest
