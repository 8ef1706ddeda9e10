package helper

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// The helper's modes (argv[1]) and the fixed parts of its protocol.
const (
	// ModeShim runs the subreaper shim of one tree.
	ModeShim = "sysprims-shim"
	// ModeGuardian runs the guardian of one cgroup run directory.
	ModeGuardian = "sysprims-guardian"
	// CtlFD is the helper's control socket, shared with its caller.
	CtlFD = 3
	// GuardianLeaf is the leaf of a run directory that holds its guardian.
	GuardianLeaf = "guardian"
)

// IsMode reports whether arg names a helper mode.
func IsMode(arg string) bool { return arg == ModeShim || arg == ModeGuardian }

// Main runs the helper mode named by args[1] and returns its exit code:
// 2 when the invocation is refused (not set up by its parent), 0 when the
// helper finished its work.
func Main(args []string) int {
	if len(args) < 2 || !IsMode(args[1]) {
		fmt.Fprintln(os.Stderr, "sysprims: helper: not a helper invocation (started by internal/platform only)")
		return 2
	}
	if args[1] == ModeShim {
		return runShim(args)
	}
	return runGuardian(args)
}

// errCallerGone reports a control socket whose maker, this process's
// parent when it was started, has died since.
var errCallerGone = errors.New("the caller that made the control socket is gone")

// checkCaller returns the caller's pid when the control socket on CtlFD
// was made by this process's real parent, running as this process's uid
// (the kernel's SO_PEERCRED of a socketpair names the process that made
// it). Anything else — no socket, another process's socket, an inherited
// environment — is refused. A maker that has died since (this process
// was reparented) gives an error wrapping errCallerGone.
func checkCaller() (int, error) {
	cred, err := syscall.GetsockoptUcred(CtlFD, syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	if err != nil {
		return 0, fmt.Errorf("no control socket on fd %d: %w", CtlFD, err)
	}
	ppid := os.Getppid()
	switch {
	case int(cred.Uid) != os.Getuid():
		return 0, fmt.Errorf("control socket made by uid %d, not by %d", cred.Uid, os.Getuid())
	case int(cred.Pid) != ppid && syscall.Kill(int(cred.Pid), 0) == syscall.ESRCH:
		return int(cred.Pid), fmt.Errorf("%w: pid %d", errCallerGone, cred.Pid)
	case int(cred.Pid) != ppid:
		return 0, fmt.Errorf("control socket made by pid %d, not by the parent %d", cred.Pid, ppid)
	}
	syscall.CloseOnExec(CtlFD)
	return ppid, nil
}

// refuse reports a refused invocation on stderr and returns 2.
func refuse(mode string, err error) int {
	fmt.Fprintf(os.Stderr, "sysprims: %s refused: %v\n", mode, err)
	return 2
}

// errno returns err's errno, or EINVAL.
func errno(err error) int {
	var e syscall.Errno
	if errors.As(err, &e) {
		return int(e)
	}
	return int(syscall.EINVAL)
}
