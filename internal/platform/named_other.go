//go:build !unix

package platform

import "github.com/3leaps/sysprims-go/process"

// canStop says that there are no stop signals here: a named tree is
// walked while it runs, and a terminating signal kills it at once (the
// only signal that reaches another process is SIGKILL).
const canStop = false

// stopAll does nothing: nothing can be stopped here.
func stopAll([]process.Identity) {}

// resumeAll does nothing: nothing was stopped.
func resumeAll([]process.Identity) error { return nil }
