//go:build linux

package platform

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// runDirPrefix names the directories this package makes under the
// caller's cgroup: sysprims-<owner pid>-<random>.
const runDirPrefix = "sysprims-"

// cgroupMount finds the cgroup2 mount point in a mountinfo file.
func cgroupMount(mountinfo string) string {
	f, err := os.Open(mountinfo)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
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

// ownCgroup returns the path of the "0::" line of a /proc/PID/cgroup file.
func ownCgroup(file string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return p
		}
	}
	return ""
}

// probeCgroup fills the cgroup fields of c: it makes and removes a probe
// directory to learn whether child cgroups can be made and have
// cgroup.kill.
func probeCgroup(c *Caps) {
	c.CgroupMount = cgroupMount(procRoot + "/self/mountinfo")
	c.CgroupSelf = ownCgroup(procRoot + "/self/cgroup")
	if c.CgroupMount == "" || c.CgroupSelf == "" {
		c.Notes = append(c.Notes, "cgroup_v2: no cgroup2 hierarchy mounted")
		return
	}
	base := cgroupBase(*c)
	sweep(base)
	dir := filepath.Join(base, fmt.Sprintf("%s%d-probe-%s", runDirPrefix, os.Getpid(), randHex()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		c.Notes = append(c.Notes, "cgroup_v2: cannot make a child cgroup: "+err.Error())
		return
	}
	defer os.Remove(dir)
	c.CgroupWritable = true
	_, err := os.Stat(filepath.Join(dir, "cgroup.kill"))
	c.CgroupKill = err == nil
	if !c.CgroupKill {
		c.Notes = append(c.Notes, "cgroup_v2: no cgroup.kill (Linux 5.14+ needed)")
	}
}

// cgroupBase is the caller's own cgroup directory.
func cgroupBase(c Caps) string { return filepath.Join(c.CgroupMount, c.CgroupSelf) }

func randHex() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sweep kills and removes the run directories under base whose owner
// process is gone (a caller that died and whose guardian did not finish).
func sweep(base string) {
	ents, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range ents {
		owner, ok := runDirOwner(e.Name())
		if ok && e.IsDir() && owner != os.Getpid() && !alive(owner) {
			cleanRunDir(filepath.Join(base, e.Name()))
		}
	}
}

// runDirOwner parses the owner pid out of "sysprims-<pid>-...".
func runDirOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, runDirPrefix)
	if !ok {
		return 0, false
	}
	pid, _, _ := strings.Cut(rest, "-")
	n, err := strconv.Atoi(pid)
	return n, err == nil && n > 0
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	_, ok := liveStart(pid)
	return ok
}

// cleanRunDir kills every leaf under dir, waits (bounded) for them to
// empty, and removes them and dir.
func cleanRunDir(dir string) error {
	ents, _ := os.ReadDir(dir)
	var errs []error
	for _, e := range ents {
		if e.IsDir() {
			leaf := filepath.Join(dir, e.Name())
			_ = killCgroup(leaf)
			ctx, cancel := context.WithTimeout(context.Background(), closeWait)
			errs = append(errs, waitUnpopulated(ctx, leaf), removeCgroup(leaf))
			cancel()
		}
	}
	errs = append(errs, removeCgroup(dir))
	return errors.Join(errs...)
}

// killCgroup writes "1" to dir/cgroup.kill: SIGKILL to every process of
// dir and its descendants, atomically with respect to forks.
func killCgroup(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
		return fmt.Errorf("sysprims: cgroup kill %s: %w", dir, err)
	}
	return nil
}

// removeCgroup removes dir and every cgroup below it, deepest first.
func removeCgroup(dir string) error {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			removeCgroup(filepath.Join(dir, e.Name()))
		}
	}
	if err := unix.Rmdir(dir); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("sysprims: remove cgroup %s: %w", dir, err)
	}
	return nil
}

// cgroupPIDs lists cgroup.procs of dir and of every cgroup below it.
func cgroupPIDs(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, fmt.Errorf("sysprims: cgroup members: %w", err)
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out = append(out, pid)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			sub, _ := cgroupPIDs(filepath.Join(dir, e.Name()))
			out = append(out, sub...)
		}
	}
	return out, nil
}

// populated reads the "populated" key of dir/cgroup.events from f.
func populated(f *os.File) (bool, error) {
	buf := make([]byte, 256)
	n, err := f.ReadAt(buf, 0)
	if n == 0 && err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(buf[:n]), "\n") {
		if v, ok := strings.CutPrefix(line, "populated "); ok {
			return v != "0", nil
		}
	}
	return false, errors.New("sysprims: no populated key in cgroup.events")
}

// waitUnpopulated waits for "populated 0" in dir/cgroup.events, sleeping
// in poll(2) for POLLPRI (the kernel's change notification) between
// reads, or until ctx is done. A cgroup that no longer exists is empty.
func waitUnpopulated(ctx context.Context, dir string) error {
	f, err := openEvents(dir)
	if f == nil || err != nil {
		return err
	}
	defer f.Close()
	return waitEvents(ctx, f, dir)
}

// openEvents opens dir/cgroup.events; nil and no error when dir is gone.
func openEvents(dir string) (*os.File, error) {
	f, err := os.Open(filepath.Join(dir, "cgroup.events"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sysprims: cgroup events: %w", err)
	}
	return f, nil
}

// waitEvents is waitUnpopulated on the open cgroup.events file f of dir.
func waitEvents(ctx context.Context, f *os.File, dir string) error {
	fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLPRI}}
	for {
		pop, err := populated(f)
		if err != nil || !pop {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("sysprims: cgroup %s not empty: %w", dir, ctx.Err())
		}
		_, err = unix.Poll(fds, pollTimeoutMs(ctx))
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("sysprims: poll cgroup events: %w", err)
		}
	}
}

// pollSlice bounds one poll(2) on cgroup.events so ctx is checked.
const pollSlice = 50 * time.Millisecond

// pollTimeoutMs is the poll(2) timeout for one slice: pollSlice, or less
// when ctx's deadline comes sooner, so a grace period ends on time rather
// than up to a slice late. It is at least 1 ms.
func pollTimeoutMs(ctx context.Context) int {
	d := pollSlice
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl))
	}
	return max(1, int((d+time.Millisecond-1)/time.Millisecond))
}
