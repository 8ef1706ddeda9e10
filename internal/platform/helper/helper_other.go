//go:build !linux

package helper

import (
	"fmt"
	"os"
)

// Main reports that helpers exist on Linux only and returns 2.
func Main(args []string) int {
	fmt.Fprintln(os.Stderr, "sysprims: helper: Linux only")
	return 2
}

// IsMode reports whether arg names a helper mode; never on this OS.
func IsMode(arg string) bool { return false }
