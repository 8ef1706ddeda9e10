// Package procfs parses the Linux /proc and cgroup v2 files that both
// internal/proc and the helper program read: /proc/PID/stat, the status
// fields, the children and cgroup.procs pid lists, /proc/PID/cgroup and
// the cgroup accounting and events files. Each format has its one parser
// here, pure (bytes in, values out) and fuzzed.
//
// It uses the standard library only and builds at the go 1.22 language
// version (no range over functions): internal/platform embeds its source
// with the helper's and builds both into the small helper binary.
package procfs
