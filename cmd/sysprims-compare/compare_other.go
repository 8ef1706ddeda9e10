//go:build !linux

package main

import (
	"fmt"
	"io"
	"runtime"
)

// compare explains that the comparison needs Linux (compare_linux.go
// runs it).
func compare(_ []string, _, stderr io.Writer) int {
	fmt.Fprintf(stderr, "compare: runs on Linux only (this is %s)\n", runtime.GOOS)
	return 2
}
