// Package proc takes snapshots of the process table: gathering only, no
// judging. Leak checks and matchers judge the snapshots it returns.
//
// [Snapshot] lists every process with the default fields — pid, ppid,
// pgid, sid, name, state, start time, thread count and resident memory —
// plus the extra fields [Options].Fields asks for ([FieldCmdline],
// [FieldExe], [FieldUser], [FieldMarkers], [FieldCPU]), which cost extra
// reads per process and are gathered best effort. A pid together with its
// start time ([ProcessInfo.ID]) names one process across snapshots.
//
// Per system:
//
//   - Linux reads /proc (or [Options].Root, for recorded trees in tests).
//     The default fields come from one read of /proc/PID/stat per process
//     with raw syscalls and reused buffers; the benchmarks keep it within
//     1.5x of bare open/read/close of those files. The start time is
//     btime*1000 + starttime*1000/USER_HZ, with btime read once per
//     process lifetime, so it does not move between snapshots. Processes
//     that exit during the scan are left out. [ChildrenOf] and [TreePIDs]
//     read /proc/PID/task/TID/children (O(tree)); kernels without those
//     files fall back to the parent links of one snapshot.
//   - macOS reads sysctl kern.proc.all (never ps): memory_kb and
//     thread_count are not available there and stay 0; cmdline, exe path
//     and markers come from kern.procargs2.
//   - Windows walks a Toolhelp32 snapshot, adding start time and memory
//     through OpenProcess; cmdline and markers are not gathered.
//   - Other systems return errors wrapping errors.ErrUnsupported.
//
// [Listening] lists the sockets given processes listen on: their
// "socket:[INODE]" descriptors (/proc/PID/fd) looked up in the inet
// tables of their network namespace (/proc/PID/net/{tcp,tcp6,udp,udp6},
// read once per namespace, parsed by [ParseNetTable]); [AllListening]
// does so for every process the caller may inspect. [Files],
// [FileFlags] and [NetSockets] describe one process's descriptors. All
// of them are Linux only; elsewhere they return errors wrapping
// errors.ErrUnsupported.
//
// [Descendants] follows parent links within one snapshot. [Filter] holds
// the sysprims process-filter fields; [ParseFilter] and [ParseFilterJSON]
// reject unknown keys and bad values with [FilterError]s.
// [MarshalSnapshot] writes the document described by
// schemas/process-snapshot.schema.json, tagged with [SnapshotSchemaID].
package proc

// Files: _linux.go, _darwin.go and _windows.go build for that system
// alone (the name says it; no build line); _other.go builds for every
// system the concern's other files leave out, its build line their exact
// complement (each_other.go is every system but Linux, proc_other.go
// every one but Linux, macOS and Windows, lookup_other.go every one but
// macOS). Files without a suffix build everywhere.
