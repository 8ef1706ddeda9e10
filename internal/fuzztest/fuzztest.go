// Package fuzztest is what this module's fuzz targets share: seeds read
// from recorded files in testdata/. It imports nothing from this module,
// so any package's tests can use it.
package fuzztest

import (
	"os"
	"path/filepath"
	"testing"
)

// Files returns the contents of every file matching the globs, in glob
// order, to seed a fuzz target with; it fails tb when none matches, so a
// moved testdata/ directory does not leave a target unseeded.
func Files(tb testing.TB, globs ...string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, g := range globs {
		paths, err := filepath.Glob(g)
		if err != nil {
			tb.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no seed files match %q", globs)
	}
	return out
}
