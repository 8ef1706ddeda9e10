// Package timeout is the engine behind sysprimstest.Run and Start and the
// leak-check command: it starts a command as the root of a process tree in
// a container (see internal/platform), waits for it with an optional
// deadline, and tears the whole tree down.
//
// The teardown sends the configured signal (SIGTERM by default, followed by
// SIGCONT so stopped members can act on it) to every member, waits for the
// tree to empty for at most the grace period — returning as soon as it is
// empty — then sends SIGKILL to whatever is left. It then checks for
// survivors independently of the teardown's own bookkeeping: the
// container's member list and, for a best_effort mechanism, a scan for
// processes carrying the tree's SYSPRIMS_TREE_ID marker.
//
// The [Outcome] says how the root ended, what was signalled, whether the
// teardown escalated, what it can promise (tree_kill_reliability:
// guaranteed for a cgroup v2 leaf or the subreaper shim, best_effort for a
// process group alone), which processes were left over when the root
// exited, and which survived. Its JSON form carries [ResultSchemaID] and
// follows schemas/timeout-result.schema.json.
//
// Limits: with the process group mechanism a member that calls setsid or
// setpgid escapes the group signals. The engine finds such members by their
// marker and tears them down one by one (pid-reuse safe, through
// internal/signal), but a member that dropped its environment, or one
// spawned between scans, can still escape; what is left is reported as a
// survivor and the outcome says best_effort.
package timeout
