package helper

import (
	"errors"
	"fmt"
	"io"
	"os"
	ossignal "os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

// runGuardian is the guardian's main; args is [exe, ModeGuardian, rundir].
// It checks that its parent set it up, holds the run directory's lock,
// answers "ok", and waits for EOF on the control socket: then its caller
// is gone, and it kills and removes every leaf of the run directory.
// Signals do nothing to it: it cleans up only when its caller is gone.
//
// A caller that died between starting it and its check (a replacement
// guardian, started while trees run) is no reason to refuse: the run
// directory's checks below still prove the guardian was placed by
// someone allowed to write there, and its trees need cleaning all the
// more.
func runGuardian(args []string) int {
	ossignal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	if _, err := checkCaller(); err != nil && !errors.Is(err, errCallerGone) {
		return refuse(ModeGuardian, err)
	}
	syscall.CloseOnExec(CtlFD)
	ctl := os.NewFile(CtlFD, "sysprims-ctl")
	if len(args) != 3 {
		fmt.Fprintf(ctl, "error bad arguments %q\n", args)
		return refuse(ModeGuardian, fmt.Errorf("bad arguments %q", args))
	}
	dir := args[2]
	err := checkRunDir(dir)
	if err == nil {
		_, err = LockRunDir(dir, syscall.LOCK_SH)
	}
	if err != nil {
		fmt.Fprintf(ctl, "error %v\n", err)
		return refuse(ModeGuardian, err)
	}
	fmt.Fprintln(ctl, "ok")
	io.Copy(io.Discard, ctl)
	if err := cleanRunDir(dir, true); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// checkRunDir accepts dir only when it is a clean absolute path under the
// cgroup2 mount, owned by this uid, and this process was started in its
// guardian leaf (which only a process allowed to write there can do).
func checkRunDir(dir string) error {
	mount := CgroupMount("/proc/self/mountinfo")
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir || mount == "" || !strings.HasPrefix(dir, mount+"/") {
		return fmt.Errorf("run directory %q is not under the cgroup2 mount %q", dir, mount)
	}
	if self := filepath.Join(mount, OwnCgroup("/proc/self/cgroup")); self != filepath.Join(dir, GuardianLeaf) {
		return fmt.Errorf("not started in %s/%s but in %s", dir, GuardianLeaf, self)
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(dir, &st); err != nil {
		return fmt.Errorf("run directory: %w", err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFDIR || int(st.Uid) != os.Getuid() {
		return fmt.Errorf("run directory %s is not a directory of uid %d", dir, os.Getuid())
	}
	return nil
}

// LockRunDir opens dir and takes how (LOCK_SH, or LOCK_EX|LOCK_NB) of its
// flock, returning the fd (close-on-exec) that holds it. A run
// directory's caller and guardian hold LOCK_SH while they live; a sweep
// that gets LOCK_EX knows both are gone, whatever pid namespace they were
// in.
func LockRunDir(dir string, how int) (int, error) {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("sysprims: lock %s: %w", dir, err)
	}
	for {
		err = syscall.Flock(fd, how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("sysprims: lock %s: %w", dir, err)
	}
	return fd, nil
}
