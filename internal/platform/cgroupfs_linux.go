package platform

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform/helper"
	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
)

// cgroupMount finds the cgroup2 mount point in a mountinfo file.
var cgroupMount = helper.CgroupMount

// ownCgroup returns the path of the "0::" line of a /proc/PID/cgroup file.
var ownCgroup = helper.OwnCgroup

// probeCgroup fills the cgroup fields of c: it makes and removes a probe
// directory to learn whether child cgroups can be made and have
// cgroup.kill.
func probeCgroup(c *Caps) {
	c.CgroupMount = cgroupMount("/proc/self/mountinfo")
	c.CgroupSelf = ownCgroup("/proc/self/cgroup")
	if c.CgroupMount == "" || c.CgroupSelf == "" {
		c.Notes = append(c.Notes, "cgroup_v2: no cgroup2 hierarchy mounted")
		return
	}
	base := cgroupBase(*c)
	sweep(base)
	dir := filepath.Join(base, fmt.Sprintf("%s%d-probe-%s", owner.RunDirPrefix, os.Getpid(), randHex()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		c.Notes = append(c.Notes, "cgroup_v2: cannot make a child cgroup: "+err.Error())
		return
	}
	defer os.Remove(dir)
	c.CgroupWritable = true
	c.Notes = append(c.Notes, accountingNotes(dir)...)
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

// sweep kills and removes the run directories under base that are
// provably stale (see [helper.Sweep]: judged by a lock, never by a pid).
func sweep(base string) { helper.Sweep(base, owner.RunDirPrefix) }

// killCgroup writes "1" to dir/cgroup.kill: SIGKILL to every process of
// dir and its descendants, atomically with respect to forks.
func killCgroup(dir string) error { return helper.KillCgroup(dir) }

// removeCgroup removes dir and every cgroup below it, deepest first.
func removeCgroup(dir string) error { return helper.RemoveCgroup(dir) }

// cgroupPIDs lists cgroup.procs of dir and of every cgroup below it.
func cgroupPIDs(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, fmt.Errorf("sysprims: cgroup members: %w", err)
	}
	out := procfs.AppendPIDs(nil, b)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			sub, _ := cgroupPIDs(filepath.Join(dir, e.Name()))
			out = append(out, sub...)
		}
	}
	return out, nil
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

// waitEvents is waitUnpopulated on the open cgroup.events file f of dir
// ([helper.WaitEvents]).
func waitEvents(ctx context.Context, f *os.File, dir string) error {
	return helper.WaitEvents(ctx, f, dir)
}
