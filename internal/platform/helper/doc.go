// Package helper is the sysprims helper program: the subreaper shim of
// one process tree and the guardian of a cgroup run directory. It uses the
// standard library only, so internal/platform can embed its source and
// build it once per machine into a small static binary (see
// cmd/sysprims-helper), which starts in about a millisecond whatever the
// program that needs it (a -race test binary takes tens of milliseconds).
//
// A helper acts only for the process that set it up: its control socket
// is on fd [CtlFD], and the kernel's SO_PEERCRED on it must name the
// helper's real parent and the helper's own uid. A guardian also checks
// that its parent started it inside the run directory's [GuardianLeaf]
// leaf, and that the run directory is its uid's. Nothing in the
// environment makes a process a helper.
//
// The protocol (argv, fds and control lines) is defined here and used by
// internal/platform, its only client:
//
//	shim:     argv [exe, ModeShim, marker, nExtra, path, argv0, argv...]
//	          env: the marker only; fd 3 control socket, fds 4.. the
//	          root's fds 3..; caller → shim: "env N" + N bytes (the root's
//	          environment, NUL-separated), then "signal N [N]", "kill";
//	          shim → caller: "pid N" | "error ERRNO", "exit CODE SIG LEFT",
//	          "signalled", "usage USER_US SYS_US MAXRSS_KB" (its
//	          getrusage(RUSAGE_CHILDREN) once no child is left), "empty"
//	guardian: argv [exe, ModeGuardian, rundir], fd 3 control socket
//	          guardian → caller: "ok" | "error TEXT"; then EOF means the
//	          caller is gone.
//
// Files with the suffix _linux hold the helper; helper_other.go is the
// stub of every other OS.
package helper
