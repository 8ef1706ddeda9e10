package sysprimstest

import (
	"os/exec"
	"time"
)

// Run starts cmd in a tree of its own, waits for it to exit or for
// timeout to pass (capped below the test's deadline), tears the whole tree
// down and verifies that nothing survived. A start failure or a survivor
// fails the test with t.Errorf, naming each process on one line; a timeout
// is only reported in the Result, so the caller can assert on it.
//
// Output is captured into Result.Stdout and Result.Stderr (and still goes
// to cmd.Stdout and cmd.Stderr when those are set). Run returns within
// timeout + grace + a small margin even when a grandchild holds the output
// pipe open.
func Run(t TB, timeout time.Duration, cmd *exec.Cmd, opts ...Option) *Result {
	t.Helper()
	p := start(t, entryRun, cmd, opts)
	if p.startErr != nil {
		return p.result
	}
	return p.Wait(timeout)
}
