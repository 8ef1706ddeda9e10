package helper

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
)

// cleanWait bounds the wait for killed leaves to empty.
const cleanWait = 5 * time.Second

// Sweep kills and removes every run directory under base (names starting
// with prefix) that is provably stale: it has a guardian leaf (so it is
// past its setup) and nobody holds its lock (its caller and guardian are
// gone). The judgement needs no pid, so it holds across pid namespaces.
func Sweep(base, prefix string) {
	ents, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
			sweepOne(filepath.Join(base, e.Name()))
		}
	}
}

func sweepOne(dir string) {
	if _, err := os.Stat(filepath.Join(dir, GuardianLeaf)); err != nil {
		return // being set up, or not ours to judge
	}
	fd, err := LockRunDir(dir, syscall.LOCK_EX|syscall.LOCK_NB)
	if err != nil {
		return // alive
	}
	defer syscall.Close(fd)
	if _, err := os.Stat(filepath.Join(dir, GuardianLeaf)); err == nil {
		cleanRunDir(dir, false)
	}
}

// cleanRunDir kills every leaf under dir, waits (bounded) for them to
// empty, and removes them and dir. The guardian (self) spares its own
// leaf and moves out of it into dir's parent before removing it.
func cleanRunDir(dir string, self bool) error {
	ents, _ := os.ReadDir(dir)
	var leaves []string
	for _, e := range ents {
		if e.IsDir() && !(self && e.Name() == GuardianLeaf) {
			leaves = append(leaves, filepath.Join(dir, e.Name()))
		}
	}
	var errs []error
	for _, l := range leaves {
		errs = append(errs, KillCgroup(l))
	}
	deadline := time.Now().Add(cleanWait)
	for _, l := range leaves {
		errs = append(errs, waitEmpty(l, deadline))
	}
	if self {
		errs = append(errs, moveSelf(filepath.Dir(dir)))
	}
	errs = append(errs, RemoveCgroup(dir))
	return errors.Join(errs...)
}

// moveSelf moves this process into the cgroup dir.
func moveSelf(dir string) error {
	err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0)
	if err != nil {
		return fmt.Errorf("sysprims: guardian: leave its leaf: %w", err)
	}
	return nil
}

// KillCgroup writes "1" to dir/cgroup.kill: SIGKILL to every process of
// dir and its descendants, atomically with respect to forks. A cgroup
// already removed is no error.
func KillCgroup(dir string) error {
	err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sysprims: cgroup kill %s: %w", dir, err)
	}
	return nil
}

// RemoveCgroup removes dir and every cgroup below it, deepest first.
func RemoveCgroup(dir string) error {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			RemoveCgroup(filepath.Join(dir, e.Name()))
		}
	}
	if err := syscall.Rmdir(dir); err != nil && err != syscall.ENOENT {
		return fmt.Errorf("sysprims: remove cgroup %s: %w", dir, err)
	}
	return nil
}

// waitEmpty waits until dir/cgroup.events says "populated 0" (or dir is
// gone), or until deadline.
func waitEmpty(dir string, deadline time.Time) error {
	f, err := os.Open(filepath.Join(dir, "cgroup.events"))
	if err != nil {
		return nil // removed already
	}
	defer f.Close()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	return WaitEvents(ctx, f, dir)
}

// Populated reads the "populated" key of f, an open cgroup.events file:
// whether its cgroup or one below holds a process.
func Populated(f *os.File) (bool, error) {
	buf := make([]byte, 256)
	n, err := f.ReadAt(buf, 0)
	if n == 0 && err != nil {
		return false, err
	}
	pop, ok := procfs.Populated(buf[:n])
	if !ok {
		return false, errors.New("sysprims: no populated key in cgroup.events")
	}
	return pop, nil
}

// WaitEvents waits until f, the open cgroup.events file of dir, says
// "populated 0", sleeping in ppoll(2) for POLLPRI (the kernel's change
// notification) between reads, or until ctx is done. Each sleep is
// bounded ([pollWait]) so ctx is checked.
func WaitEvents(ctx context.Context, f *os.File, dir string) error {
	for {
		pop, err := Populated(f)
		if err != nil || !pop {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("sysprims: cgroup %s not empty: %w", dir, ctx.Err())
		}
		pollPri(int(f.Fd()), pollWait(ctx))
	}
}

// pollSlice bounds one sleep of [WaitEvents].
const pollSlice = 50 * time.Millisecond

// pollWait is the next sleep of [WaitEvents]: pollSlice, or less when
// ctx's deadline comes sooner, so a grace period ends on time rather than
// up to a slice late; at least 1 ms.
func pollWait(ctx context.Context) time.Duration {
	d := pollSlice
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl))
	}
	return max(d, time.Millisecond)
}

// CgroupMount finds the cgroup2 mount point in a mountinfo file.
func CgroupMount(mountinfo string) string {
	f, err := os.Open(mountinfo)
	if err != nil {
		return ""
	}
	defer f.Close()
	return cgroup2Mount(f)
}

// cgroup2Mount returns the mount point of the first cgroup2 line of a
// mountinfo file, "" when there is none.
func cgroup2Mount(r io.Reader) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, fs := strings.Fields(pre), strings.Fields(post)
		if ok && len(fields) >= 5 && len(fs) >= 1 && fs[0] == "cgroup2" {
			return unescapeMount(fields[4])
		}
	}
	return ""
}

// unescapeMount undoes the octal escapes (\040 for a blank) of mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// OwnCgroup returns the cgroup v2 path of the "0::" line of a
// /proc/PID/cgroup file ([procfs.CgroupV2Path]).
func OwnCgroup(file string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	return procfs.CgroupV2Path(b)
}
