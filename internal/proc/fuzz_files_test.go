package proc

import (
	"testing"

	"github.com/3leaps/sysprims-go/internal/fuzztest"
)

// addFiles adds the contents of every file matching the globs to the seed
// corpus of f: recorded files from testdata/.
func addFiles(f *testing.F, globs ...string) {
	f.Helper()
	for _, b := range fuzztest.Files(f, globs...) {
		f.Add(b)
	}
}

// addFilesAs is addFiles for a target that also takes a name.
func addFilesAs(f *testing.F, name string, globs ...string) {
	f.Helper()
	for _, b := range fuzztest.Files(f, globs...) {
		f.Add(b, name)
	}
}
