package main

import (
	"fmt"
	"io"
	"os"

	"github.com/3leaps/sysprims-go/internal/platform"
)

// The exit codes of sysprims-leakcheck. A command's own exit status is
// passed through when nothing leaked, so these are only distinctive in
// combination with the report.
const (
	exitOK            = 0
	exitLeaked        = 3   // processes outlived the command, or are new since the baseline
	exitTimedOut      = 124 // --timeout expired, like GNU timeout
	exitUsage         = 125 // bad flags or input, or sysprims-leakcheck itself failed
	exitNotExecutable = 126 // CMD exists but cannot be executed
	exitNotFound      = 127 // CMD was not found
	exitSignalBase    = 128 // CMD killed by signal n exits 128+n
)

const progName = "sysprims-leakcheck"

func main() {
	platform.ServeHelper() // this binary is its own shim and guardian: no Go toolchain needed
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageError(stderr, "missing subcommand (run, snapshot, check, help)")
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "snapshot":
		return snapshotCmd(args[1:], stdout, stderr)
	case "check":
		return checkCmd(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	return usageError(stderr, fmt.Sprintf("unknown subcommand %q (run, snapshot, check, help)", args[0]))
}

// usageError prints a one-line reason and returns exitUsage.
func usageError(stderr io.Writer, reason string) int {
	fmt.Fprintf(stderr, "%s: %s\n", progName, reason)
	return exitUsage
}

// usageText is printed by "help" and names every flag and exit code.
const usageText = `usage:
  sysprims-leakcheck run [--timeout D] [--grace D] [--signal S] [--format F] [--output FILE] -- CMD ARGS...
  sysprims-leakcheck snapshot [--json] [--filter key=value ...]
  sysprims-leakcheck check --baseline FILE [--kill] [--grace D] [--signal S] [--marker KEY[=VALUE] ...]
                           [--format F] [--output FILE]
  sysprims-leakcheck help

run      runs CMD in a guaranteed container (cgroup v2 leaf or subreaper),
         forwards SIGINT/SIGTERM to the whole tree (a second one tears the
         tree down), and when CMD exits reports every descendant still alive
         (pid, command, start time, how it escaped), then removes them.
         The report goes to stderr unless --output names a file.
  --timeout D   tear the tree down after D (e.g. 30s, 10m) and exit 124; 0: none
  --grace D     between the first signal and SIGKILL (default 2s)
  --signal S    first signal of a teardown: TERM, SIGINT, 9, ... (default TERM)

snapshot lists processes (sysprims pstat) as aligned text, or JSON with a
         schema_id (--json) that check reads as its baseline. --filter keeps
         the processes matching every key=value given; keys: name_contains,
         name_equals, user_equals, pid_in (12,34), ppid, state_in
         (running,sleeping,...), cpu_above, memory_above_kb,
         running_for_at_least_secs. A filtered snapshot records its
         filter, and check refuses it as a baseline.

check    lists processes alive now that are not in the baseline snapshot
         (matched by pid and start time, so a reused pid counts as new),
         restricted to those carrying SYSPRIMS_* markers or started after the
         baseline by the calling user; never pid 1, the caller or its parent
         chain. --marker restricts further to processes carrying the marker.
         --kill removes them: the signal (SIGTERM) and SIGCONT, then SIGKILL
         after --grace (default 2s), each sent only if the pid still belongs
         to the same process. --signal replaces SIGTERM. The report goes to
         stdout unless --output names a file.

formats (--format): text (default), json (schema_id
         https://schemas.3leaps.dev/sysprims-go/leakcheck/v1.0.0/leakcheck-report.schema.json),
         github (one ::error annotation per leaked process).

exit codes:
  CMD's status  run: nothing leaked (128+n when CMD was killed by signal n)
  0             snapshot, or check found nothing new
  3             processes leaked (run) or are new since the baseline (check)
  124           run: --timeout expired (the tree was torn down)
  125           usage error or internal failure; nothing was killed on bad input
  126           run: CMD is not executable
  127           run: CMD was not found
`
