package platform

import (
	"strings"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// ownLeaves returns the cgroup path (as /proc/PID/cgroup names it) of
// this process's run directory, under which its cgroup leaves live, or ""
// before it made one. A leaf exists while its container lives.
func ownLeaves() string {
	runMu.Lock()
	dir := runDir
	runMu.Unlock()
	if dir == "" {
		return ""
	}
	return "/" + strings.Trim(strings.TrimPrefix(dir, Probe().CgroupMount), "/")
}

// inLeaf reports whether pid is in a cgroup below leaves.
func inLeaf(leaves string, pid int) bool {
	if leaves == "" {
		return false
	}
	cg, err := proc.Cgroup(pid)
	return err == nil && strings.HasPrefix(cg, leaves+"/")
}
