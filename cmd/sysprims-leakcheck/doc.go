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
// and removes it. snapshot lists processes (JSON with a schema_id, or
// aligned text). check compares the processes alive now with a snapshot
// taken earlier and reports, and with --kill removes, the new ones.
//
// Exit codes: CMD's own status when nothing leaked (128+n when CMD was
// killed by signal n); 3 when processes leaked; 124 when --timeout expired;
// 125 for usage and internal errors; 126 when CMD is not executable; 127
// when CMD is not found. Run "sysprims-leakcheck help" for the full usage.
package main
