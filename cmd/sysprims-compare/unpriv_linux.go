package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Run as root, the program measures the subreaper mechanism as an
// unprivileged user, because that is where users meet it: without a
// writable cgroup. It copies its own executable where that user can run
// it, re-runs the benchmarks of that one mechanism as the user, and
// takes the user's rows (with the raw exec.Cmd floor measured in the same
// run). Where it cannot, it measures as root and says why in a note.

// unprivilegedMechanism is the mechanism measured as an unprivileged user.
const unprivilegedMechanism = "subreaper"

// unprivilegedUser picks the user the subreaper rows run as: the -user
// flag; else $SYSPRIMS_CI_USER, "sysprims" or "nobody", the first that
// exists. "" means: measure as this user.
func unprivilegedUser(flagValue string) (*user.User, error) {
	switch flagValue {
	case "none":
		return nil, nil
	case "":
	default:
		return user.Lookup(flagValue)
	}
	var errs []error
	for _, name := range []string{os.Getenv("SYSPRIMS_CI_USER"), "sysprims", "nobody"} {
		if name == "" {
			continue
		}
		u, err := user.Lookup(name)
		if err == nil {
			return u, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// benchAsUser runs the benchmarks of mechanism m as u and returns its
// numbers, labelled with the user.
func benchAsUser(ctx context.Context, u *user.User, m string, o options) (MechBench, error) {
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return MechBench{}, err
	}
	dir, exe, err := copyExecutable()
	if err != nil {
		return MechBench{}, err
	}
	defer os.RemoveAll(dir)
	home, err := homeFor(u, dir, int(uid), int(gid))
	if err != nil {
		return MechBench{}, err
	}
	cmd := exec.CommandContext(ctx, exe, "-matrix=false", "-json", "-q", "-user=none",
		"-bench-mechanism="+m, "-n="+strconv.Itoa(o.n), "-grace="+o.grace.String())
	cmd.Dir = dir
	cmd.Env = userEnv(home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	runErr := cmd.Run()
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || rep.Bench == nil || len(rep.Bench.Mechanisms) != 1 {
		return MechBench{}, fmt.Errorf("as %s: %v: %s", u.Username, errors.Join(runErr, err), lastLine(stderr.String()))
	}
	mb := rep.Bench.Mechanisms[0]
	mb.User = fmt.Sprintf("%s (uid %s)", u.Username, u.Uid)
	mb.RawRunMs = rep.Bench.RawRunMs
	if len(rep.Problems) > 0 {
		return mb, fmt.Errorf("as %s: %v", u.Username, rep.Problems)
	}
	return mb, nil
}

// programPath names the compare program to copy: this executable, except
// in its tests, whose executable is the test binary.
var programPath = os.Executable

// copyExecutable copies this executable into a new directory that every
// user may read and run (go run builds in a directory only its user can
// enter).
func copyExecutable() (dir, exe string, err error) {
	self, err := programPath()
	if err != nil {
		return "", "", err
	}
	dir, err = os.MkdirTemp("", "sysprims-compare-")
	if err != nil {
		return "", "", err
	}
	exe = filepath.Join(dir, "compare")
	err = errors.Join(os.Chmod(dir, 0o755), copyFile(self, exe))
	if err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	return dir, exe, nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	return errors.Join(err, dst.Close())
}

// homeFor returns u's home directory when u owns it, else a new one in
// dir, given to u: the user's Go build cache (for the helper program)
// lives there.
func homeFor(u *user.User, dir string, uid, gid int) (string, error) {
	var st syscall.Stat_t
	if syscall.Stat(u.HomeDir, &st) == nil && int(st.Uid) == uid {
		return u.HomeDir, nil
	}
	home := filepath.Join(dir, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		return "", err
	}
	return home, os.Chown(home, uid, gid)
}

// userEnv is the child's environment: its own HOME, and a PATH that finds
// the go command that builds the helper program.
func userEnv(home string) []string {
	path := "/usr/local/bin:/usr/bin:/bin"
	if goBin, err := exec.LookPath("go"); err == nil {
		path = filepath.Dir(goBin) + ":" + path
	}
	return []string{"HOME=" + home, "PATH=" + path, "LANG=C"}
}

func lastLine(s string) string {
	lines := bytes.Split(bytes.TrimSpace([]byte(s)), []byte("\n"))
	return string(lines[len(lines)-1])
}
