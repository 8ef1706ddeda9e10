// Package timeout is the engine behind sysprimstest.Run and Start and the
// leak-check command: it starts a command as the root of a process tree in
// a container (see internal/platform), waits for it with an optional
// deadline, and tears the whole tree down.
//
// The teardown starts when the root exits — as soon as it has exited, even
// while a leftover member still holds its output pipes, so such a daemon
// costs no WaitDelay — or at the deadline or Stop. It sends the
// configured signal (SIGTERM by default, followed by SIGCONT so stopped
// members can act on it) to every member, waits for the tree to empty for
// at most the grace period — returning as soon as it is empty — then
// sends SIGKILL to whatever is left. It then checks for survivors
// independently of the teardown's own bookkeeping: the container's member
// list and, for a best_effort mechanism, a scan for processes carrying the
// tree's SYSPRIMS_TREE_ID marker.
//
// After a guaranteed teardown on Linux the engine looks once for
// migrants: processes carrying this tree's marker (minted by this run,
// never one the caller inherited) outside the container, such as a member
// that wrote its pid into another cgroup's cgroup.procs. Only processes
// created since the root are read (pids up to the kernel's last pid,
// start times), so the check costs little. A migrant makes the outcome
// best_effort; it is killed when the engine can prove it is the tree's
// (the root, a member it listed in the container, or one whose pidfd the
// container kept when it signalled it), and otherwise reported as a
// survivor.
//
// A container a member can destroy (the subreaper shim, which a member
// can kill: platform.Breakable) may be lost before the tree is empty.
// The outcome then says why (ContainerLost) and is best_effort; the
// root, still waited for, and members listed while the shim held them
// are torn down by their identities, and the rest of the tree, found by
// its marker, is reported as survivors and left running.
//
// The [Outcome] says how the root ended (and whether a signal this engine
// did not send ended it: someone else killed the tree), what was
// signalled, whether the
// teardown escalated, what it can promise (tree_kill_reliability:
// guaranteed for a cgroup v2 leaf or the subreaper shim, best_effort for a
// process group alone), which processes were left over when the root
// exited, which survived, and what the whole tree used (Usage: CPU time,
// peak memory, peak processes, each with the source the container had
// for it, read once the container is closed; see platform.Accountant).
// Its JSON form carries [ResultSchemaID] and follows
// schemas/timeout-result.schema.json.
//
// The TERM→grace→KILL policy is defined here once: the [Tree] teardown
// drives containers with it, and [TerminateAll] applies it to a set of
// identities no container holds (the marked escapees of a best_effort
// tree, the leaks check --kill removes).
//
// Limits: with the process group mechanism a member that calls setsid or
// setpgid escapes the group signals. The engine finds such members by their
// marker and tears them down one by one (pid-reuse safe, through
// internal/signal), but a member that dropped its environment, or one
// spawned between scans, can still escape; what is left is reported as a
// survivor and the outcome says best_effort.
//
// Files: _linux.go holds what only Linux offers (a start time read at
// spawn for the migrant check) and builds for Linux alone (the name says
// it); _unix.go builds for every unix (its build line says so; only
// tests); _other.go is the exact complement of its _linux.go sibling.
// Files without a suffix build everywhere.
package timeout
