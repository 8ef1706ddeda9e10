// Package signal names, validates and sends signals for sysprims-go.
//
// It parses every POSIX signal by name or number ([Parse]: "TERM",
// "SIGTERM", "term", "15"), lists them ([List]), refuses pids that must
// never be signalled ([ValidatePID]: 0, negatives, 1, the calling process,
// its parent and its own process group), and sends signals to one process ([Send],
// [SendIdentity], [SendPolite]) or to a process group ([SendGroup]). It
// only sends: the TERM→grace→KILL policy of a tree is internal/timeout's.
//
// On Linux a signal goes through a pidfd (pidfd_open + pidfd_send_signal)
// when the kernel offers one, so [SendIdentity] can never hit a process that
// reused a pid. On other unix systems kill(2) is used and the identity check
// is best effort (a pid can be reused between the check and the kill).
// On Windows only SIGKILL can be delivered (TerminateProcess).
//
// Files: _unix.go is every unix (its build line says so), _linux.go Linux
// alone (pidfds), _other.go the exact complement of _linux.go, and
// _windows.go Windows.
package signal
