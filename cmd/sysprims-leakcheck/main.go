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
	exitLeaked        = 3   // processes outlived the command, or check found processes in scope
	exitTimedOut      = 124 // --timeout expired, like GNU timeout
	exitUsage         = 125 // bad flags or input, or sysprims-leakcheck itself failed
	exitNotExecutable = 126 // CMD exists but cannot be executed
	exitNotFound      = 127 // CMD was not found
	exitSignalBase    = 128 // CMD killed by signal n exits 128+n
)

const progName = "sysprims-leakcheck"

func main() {
	platform.ServeHelper() // this binary is its own shim and guardian: no Go toolchain needed
	if len(os.Args) > 1 && os.Args[1] == "run" && !hasChildren() {
		adopting = platform.AdoptOrphans() == nil // see adopt.go
	}
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
	case probeChildCmd:
		return probeChild(stdout)
	case probeGrandchildCmd:
		return probeGrandchild()
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
  sysprims-leakcheck snapshot [--json] [--ports] [--filter key=value ...]
  sysprims-leakcheck check --baseline FILE [--kill] [--grace D] [--signal S] [--marker KEY[=VALUE] ...]
                           [--attached] [--any-user] [--format F] [--output FILE]
  sysprims-leakcheck help

run      runs CMD in a guaranteed container (cgroup v2 leaf or subreaper),
         forwards SIGINT/SIGTERM to the whole tree (a second one tears the
         tree down), and when CMD exits reports every descendant still alive
         (pid, command, start time, how it escaped), then removes them, and
         says how CMD itself ended. Its kill scope is that container and
         nothing else: what it signals is a member of it. CMD's processes
         carry markers minted by this run (SYSPRIMS_RUN_ID, SYSPRIMS_TREE_ID)
         in place of any SYSPRIMS_ marker sysprims-leakcheck inherited.
         The report goes to stderr unless --output names a file; a command
         that never started (126, 127) writes none, and leaves no file.
  --timeout D   tear the tree down after D (e.g. 30s, 10m) and exit 124; 0: none
  --grace D     between the first signal and SIGKILL (default 2s)
  --signal S    first signal of a teardown: TERM, SIGINT, 9, ... (default TERM);
                one that does not end a process (STOP, CONT, TSTP, ...) is refused

snapshot lists processes (sysprims pstat) as aligned text, or JSON with a
         schema_id (--json) that check reads as its baseline. --filter keeps
         the processes matching every key=value given; keys: name_contains,
         name_equals, user_equals, pid_in (12,34), ppid, state_in
         (running,sleeping,...), cpu_above, memory_above_kb,
         running_for_at_least_secs. A filtered snapshot records its
         filter, and check refuses it as a baseline.
         --ports lists the listening sockets instead (sysprims ports: TCP
         in LISTEN, bound unconnected UDP; IPv4 and IPv6), each with the
         process holding it (of those the filter keeps, when given); a
         socket no inspectable process holds shows pid 0 (Linux only).
         Its JSON schema_id is
         https://schemas.3leaps.dev/sysprims-go/process/v1.0.0/ports-snapshot.schema.json.

check    reports the processes in its scope and, with --kill, removes them.
         The scope, by default: every process that is
           new       not in the baseline (same pid and start time; a reused
                     pid is new) and started after it;
           yours     running as the caller's effective uid;
           detached  its parent is the reaper, where the kernel reparents the
                     caller's orphans (pid 1 of its pid namespace, or the
                     nearest child subreaper above it: check finds out by
                     making an orphan), or it descends from such a process
                     through processes that are new too. A process whose
                     parent lives elsewhere (another job's tree) is not.
                     Below a reaper that is not pid 1, only a child in a
                     session neither the reaper's nor its own (it escaped
                     by a double fork) is removed; the reaper's other new
                     children, maybe its own live ones, and their subtrees
                     are reported, not removed.
         Widen it: --attached drops "detached"; --any-user drops "yours".
         Narrow it: --marker KEY[=VALUE] keeps only processes carrying one of
         the markers given (SYSPRIMS_RUN_ID of a wrapper's run, say); markers
         never widen it.
         Never in it, whatever the flags: pid 1, kernel threads, zombies, the
         caller and its ancestors, sysprims helpers of live runs (a shim, a
         guardian), and members of sysprims containers that do not hold the
         caller (another run's cgroup leaf or shim subtree: that run answers
         for them). Reported, never removed: its pipeline partners in scope
         (processes outside its subtree holding its stdin, stdout or stderr
         pipe, named pipe or socket on any descriptor, and transitively those
         holding a pipe or named pipe such a partner holds; a daemon that
         kept the step's output pipe is one), and a process that only
         carries a helper's marker.
         Without --kill nothing is signalled. --kill sends the signal (SIGTERM)
         and SIGCONT to each process in scope, then SIGKILL after --grace
         (default 2s), each only while its pid names the same process; it
         looks at its scope again while it removes (a leak's child forked
         meanwhile is removed too, a process that entered the scope some
         other way is not). One it may not signal is reported as "not
         permitted (EPERM)" at once.
         The baseline must come from this boot, machine, pid namespace, user
         namespace and uid (its "origin"); otherwise check exits 125 and
         kills nothing. The report goes to stdout unless --output names a file.

formats (--format): text (default), json (schema_id
         https://schemas.3leaps.dev/sysprims-go/leakcheck/v1.0.0/leakcheck-report.schema.json),
         github (one ::error annotation per leaked process).

exit codes:
  CMD's status  run: nothing leaked (128+n when CMD was killed by signal n)
  0             snapshot, or check found nothing in scope
  3             run: processes outlived CMD (they were removed);
                check: processes in scope (removed with --kill, else only reported)
  124           run: --timeout expired (the tree was torn down)
  125           usage error, a baseline that is not comparable, or an internal
                failure; nothing was killed on bad input
  126           run: CMD is not executable
  127           run: CMD was not found
`
