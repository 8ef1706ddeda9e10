// Package owner is the one home of the ownership rule of sysprims-go:
// which processes the library and the leak-check command may signal,
// which processes a leak check charges to a test or a run, and how a
// process got away from its tree. sysprimstest, matchers, the engine and
// cmd/sysprims-leakcheck all decide through it.
//
// The rule. A process is signalled only when it is ours by a
// kernel-backed fact ([Proof]): a member of a container this process
// created (killed by that container, never by a scan), an identity taken
// at spawn (a pidfd, or pid and start time), a descendant of the caller
// by the kernel's parent links, or because the user named it (a pid, or
// the tree below a named pid). Environment markers, baselines and
// parent links seen in an old snapshot detect and report; on their own
// they never widen a kill. A marker counts only when this process minted
// it ([RunID]): one inherited from a wrapper such as sysprims-leakcheck
// run names the wrapper's tree, not ours.
//
// Whatever the proof, a [Guard] refuses: what the send path itself refuses
// (pid 0, negative pids, pid 1, the caller, its parent and the leader of
// its process group: signal.ValidatePID, whose error [ErrProtected] is),
// every ancestor of the caller, thread ids, kernel threads, the caller's pipeline
// partners (processes outside its subtree that hold one of its standard
// pipes, named pipes or sockets on any descriptor, and transitively those
// holding a pipe or named pipe that a partner holds on any descriptor:
// [ErrPartner]),
// sysprims helpers of live runs, and members of sysprims containers that do
// not hold the caller (another tree's cgroup leaf or shim subtree: that
// container answers for them).
//
// Judging. [Scope.Judge] charges a leak check's new processes: those that
// carry a marker minted here for the scope's test (or any, for a whole
// binary) and those that descend from the caller. Processes of another
// test, or inside a live container of this run, are not charged; a
// descendant without a marker is charged but, in a test's scope, only
// reported (it may belong to a parallel test), never removed.
//
// Escapes. [Classify] says how a process left its tree (setsid, a new
// process group, reparented, orphaned by its root, child of another leak,
// stopped, left its container) and [Describe] puts it in words, for every
// report the library writes.
package owner
