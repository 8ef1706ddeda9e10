package proc

import (
	"os"
	"path/filepath"
	"testing"
)

// addFiles adds the contents of every file matching the globs to the seed
// corpus of f: recorded files from testdata/.
func addFiles(f *testing.F, globs ...string) {
	f.Helper()
	n := 0
	for _, g := range globs {
		paths, err := filepath.Glob(g)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no seed files match %q", globs)
	}
}
