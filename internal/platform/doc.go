// Package platform holds process trees in per-OS containers and probes
// which containers this machine offers.
//
// Linux, strongest first ([Probe] says which are available, [New] picks):
//
//   - [MechanismCgroup]: a cgroup v2 leaf per tree. The root is started
//     inside it (clone3 CLONE_INTO_CGROUP), members are listed from
//     cgroup.procs, killed with cgroup.kill and awaited on cgroup.events.
//     One guardian process per caller, living in the run directory's own
//     "guardian" leaf, kills and removes every leaf when the caller dies.
//     The caller and its guardian hold a lock (flock) on the run
//     directory; [Probe] sweeps run directories whose lock nobody holds,
//     so a live run is never judged by a pid (which means nothing in
//     another pid namespace). A guardian ignores signals: it cleans up
//     only when its caller is gone. One killed outright is noticed (its
//     caller reaps it), reported on stderr and by [GuardianEvents], and
//     replaced. Guaranteed.
//   - [MechanismSubreaper]: a shim per tree that is a child subreaper and
//     gets a parent-death signal; it starts the root in a new session,
//     reaps everything, signals the whole subtree on request (the root's
//     group in one call, members outside it through pidfds), and kills
//     every descendant until none remain, on request or when its caller
//     goes (control socket EOF, parent death). Guaranteed while the
//     shim lives: it is the root's parent, so a member can kill it; the
//     container is then lost ([Breakable]) and best_effort.
//   - [MechanismProcessGroup]: a new session (so also a new process group)
//     plus scans by parent links, group, session and environment markers.
//     Best effort: a process that calls setsid, drops its markers and whose
//     parent exits before a scan sees it escapes.
//
// macOS and the BSDs offer the process group container only (best effort).
// Windows uses a Job Object with kill-on-close.
//
// # Helper processes
//
// The shim and the guardian are a small dedicated program, package
// helper: standard library only, its source embedded here, built once
// per machine with the Go toolchain (go in PATH, else GOROOT/bin; a
// cleaned environment: GOFLAGS=, CGO_ENABLED=0, GOTOOLCHAIN=local,
// GOWORK=off, a throwaway go.mod) and cached under
// os.UserCacheDir()/sysprims-go/helper-<hash of source, Go version,
// GOOS/GOARCH>, or os.TempDir()/sysprims-go-<uid> when there is no cache
// directory. The directory is 0700; the helper and its directory are
// checked to be this uid's and writable by nobody else before every
// start; a build is renamed into place and done under a file lock, so the
// test binaries of one go test ./... build it once. The first build costs
// about 0.6 s with a warm Go build cache and about 20 s with a cold one
// (the standard library compiled once for CGO_ENABLED=0). Without a
// toolchain there is no shim: [Probe] says why in [Caps.Notes], and where
// cgroup v2 is not writable only the best_effort process group is left. A
// program may serve as its own helper instead by calling [ServeHelper]
// first in main (sysprims-leakcheck does, so it needs no toolchain).
//
// No process becomes a helper because of its environment: a helper acts
// only when the kernel's SO_PEERCRED of its control socket names its real
// parent and its uid, and a guardian only when its parent started it
// inside the run directory's guardian leaf (see package helper).
//
// Why a dedicated helper, and not the alternatives measured or weighed:
//
//   - Re-executing the test binary (the previous design) costs what
//     starting that binary costs: about 14 ms more than /bin/true for a
//     plain test binary and 70 ms for a -race one, per tree, whatever is
//     done to its package initialisers. A 2 MB static helper starts in
//     about a millisecond.
//   - User plus pid namespaces (the shim as pid 1) would kill the tree
//     with the shim even on SIGKILL, but change what the tree sees: the
//     root or the shim becomes pid 1, which ignores SIGTERM and SIGINT
//     unless it installs a handler (a root that honours SIGTERM elsewhere
//     would then wait out the grace period); orphans reparent to that pid
//     1 instead of to a process that reports them; whatever is left when
//     it exits is SIGKILLed by the kernel with no chance to say what
//     survived; and the tree runs as a mapped uid (root inside, nobody
//     for unmapped files), which changes file ownership and permission
//     checks. Many machines also forbid unprivileged user namespaces.
//   - The test process itself as the subreaper loses per-tree ownership
//     (every orphan of every test lands in one process) and must never
//     reap with wait4(-1), which would steal os/exec's statuses.
//
// # Files
//
// [New] and the fallback across mechanisms are written once (platform.go);
// per-OS files do one thing each. A suffix names the systems a file is
// built for: _linux.go and _windows.go that system alone (no build line:
// the name says it); _unix.go every unix that has no file of its own for
// the concern (build line unix, narrowed only when a _linux.go sibling
// takes Linux); _other.go every system the concern's other files leave
// out, its build line their exact complement (exit_other.go is every
// system but Linux, new_other.go every one but Linux and Windows).
package platform
