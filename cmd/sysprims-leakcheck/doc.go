// Command sysprims-leakcheck makes sure no process outlives a CI job, and
// names the ones that tried.
//
// It has three subcommands:
//
//	sysprims-leakcheck run [flags] -- CMD ARGS...
//	sysprims-leakcheck snapshot [--json] [--filter key=value ...]
//	sysprims-leakcheck check --baseline FILE [--kill] [flags]
//
// run starts CMD in a guaranteed container (a cgroup v2 leaf or a
// subreaper, whichever the machine offers), forwards SIGINT and SIGTERM to
// the whole tree, and when CMD exits reports every descendant still alive
// and removes it; it kills nothing outside the container it made but,
// on Linux, the command's orphans that left it: run is then a child
// subreaper that started nothing else, so its descendants are the
// command's (unless it inherited children when it was exec'ed: then it
// adopts nothing).
// snapshot lists processes (JSON with a schema_id, or aligned text),
// recording its origin (boot, machine, namespaces, uid). check compares
// the processes alive now with a snapshot taken earlier and reports, and
// with --kill removes, those in its scope: by default the processes new
// since the snapshot, of the caller's uid, that are detached (reparented
// to where the caller's orphans go, or below such a process; below a
// reaper that is not pid 1, only what provably escaped is removed and the
// reaper's other children are reported). A guard
// (internal/owner) keeps out the caller, its ancestors, sysprims helpers
// and other runs' containers whatever the scope, and refuses to signal
// the caller's pipeline partners, which are reported; a baseline of another boot, machine, namespace or user is
// refused.
//
// Exit codes: CMD's own status when nothing leaked (128+n when CMD was
// killed by signal n); 3 when processes leaked (run) or are in check's
// scope; 124 when --timeout expired; 125 for usage and internal errors
// and a baseline that is not comparable; 126 when CMD is not executable;
// 127 when CMD is not found. Run "sysprims-leakcheck help" for the full usage.
package main

// Files: _linux.go builds for Linux alone (the name says it); the rest
// build everywhere.
