//go:build !linux

package timeout

import "fmt"

// callerMain is the helper mode of the caller-killed test, Linux only.
func callerMain(mode string) { fmt.Println("error: helper mode is Linux only:", mode) }
