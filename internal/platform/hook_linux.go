//go:build linux

package platform

import (
	"os"
	"syscall"
)

// The environment variables that turn this executable into a helper.
// They start with SYSPRIMS_ so leak checks see a helper that outlives its
// caller.
const (
	envShim     = "SYSPRIMS_SHIM"     // "<control fd> <caller pid>"
	envGuardian = "SYSPRIMS_GUARDIAN" // the cgroup run directory to guard
)

// init runs the helper modes before anything else (before tests parse
// flags, before main): a binary importing this package is its own shim
// and guardian.
func init() {
	if v, ok := os.LookupEnv(envShim); ok {
		exit(runShim(v, os.Args))
	}
	if v, ok := os.LookupEnv(envGuardian); ok {
		exit(runGuardian(v))
	}
}

// exit ends a helper at once, skipping the exit hooks (the race
// detector's would sleep a second on every helper exit).
func exit(code int) { syscall.Exit(code) }
