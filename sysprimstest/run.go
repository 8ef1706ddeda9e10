package sysprimstest

import (
	"fmt"
	"os/exec"
	"time"
)

// Run starts cmd in a tree of its own, waits for it to exit or for
// timeout to pass (capped below the test's deadline; 0 means until that
// deadline, and no limit when the test has none), tears the whole tree
// down and verifies that nothing survived. A start failure or a survivor
// fails the test with t.Errorf, naming each process on one line; a timeout
// is only reported in the Result, so the caller can assert on it. A nil
// cmd or a negative timeout fails the test and starts nothing.
//
// cmd is used as os/exec uses it (see [Start]). Output is captured into
// Result.Stdout and Result.Stderr (and still goes to cmd.Stdout and
// cmd.Stderr when those are set; one that is an *os.File gets it instead,
// uncaptured). Run returns within timeout + grace + a small margin even
// when a grandchild holds the output pipe open.
func Run(t TB, timeout time.Duration, cmd *exec.Cmd, opts ...Option) *Result {
	t.Helper()
	if timeout < 0 {
		err := fmt.Errorf("sysprims: Run(%s): negative timeout %v; pass 0 to wait until the test's deadline", cmdName(cmd), timeout)
		t.Errorf("%v", err)
		return failedResult(err)
	}
	p := start(t, entryRun, cmd, opts)
	if p.startErr != nil {
		return p.result
	}
	return p.Wait(timeout)
}
