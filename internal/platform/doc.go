// Package platform holds process trees in per-OS containers and probes
// which containers this machine offers.
//
// Linux, strongest first ([Probe] says which are available, [New] picks):
//
//   - [MechanismCgroup]: a cgroup v2 leaf per tree. The root is started
//     inside it (clone3 CLONE_INTO_CGROUP), members are listed from
//     cgroup.procs, killed with cgroup.kill and awaited on cgroup.events.
//     One guardian process per caller kills and removes every leaf when the
//     caller dies; stale leaves of dead callers are swept by [Probe].
//     Guaranteed.
//   - [MechanismSubreaper]: the calling executable re-executed as a shim
//     that is a child subreaper and gets a parent-death signal; it starts
//     the root, reaps everything, and kills every descendant it holds until
//     none remain, on request or when the caller dies. Guaranteed.
//   - [MechanismProcessGroup]: a new session (so also a new process group)
//     plus scans by parent links, group, session and environment markers.
//     Best effort: a process that calls setsid, drops its markers and whose
//     parent exits before a scan sees it escapes.
//
// macOS and the BSDs offer the process group container only (best effort).
// Windows uses a Job Object with kill-on-close.
//
// Helper processes are entered from this package's init: any binary that
// imports it (test binaries, the CLI) can act as a shim or guardian, and
// returns to its own main otherwise.
package platform
