package main

import (
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/timeout"
)

// run makes itself a child subreaper where the system has them (Linux):
// an orphan of the command is reparented to run rather than to init. So
// a process that left the command's container (as root, by moving itself
// to another cgroup) and dropped its environment, which neither the
// container nor a marker finds, is still below run once the command's
// tree is torn down. run starts nothing but the command and its own
// helpers, so each such stray is the command's, proven by the kernel's
// parent links: it is removed and reported as a leak.

// hasChildren reports whether this process has children before it
// started any: a shell that exec'ed run leaves it its own (a background
// job, the tee of "exec > >(tee log)"). Their orphans would come to run
// too and could not be told from the command's, so run then adopts
// nothing: it keeps to its container.
func hasChildren() bool {
	kids, err := proc.ChildrenOf(os.Getpid())
	return err != nil || len(kids) > 0
}

// adopting is set by main once run is a child subreaper. Only then is
// every descendant of this process the command's: a test that calls run
// in its own process has other children, which are not strays.
var adopting bool

// strays returns the live descendants of this process but its helpers,
// each re-read with its identity and kept only while its parent is this
// process or a stray already kept (a reused pid is not taken).
func strays() []proc.ProcessInfo {
	if !adopting {
		return nil
	}
	self := os.Getpid()
	pids, _ := proc.TreePIDs(self)
	kept := map[int]bool{self: true}
	var out []proc.ProcessInfo
	for _, pid := range pids {
		if pid == self {
			continue
		}
		p, err := proc.Get(pid, proc.Options{Fields: proc.FieldCmdline | proc.FieldMarkers})
		if err != nil || p.State.Gone() || !kept[p.PPID] || platform.OwnHelper(p) {
			continue
		}
		kept[pid] = true
		out = append(out, p)
	}
	return out
}

// removeStrays kills the strays ps, and those that appear while it works
// (a stray that forks, or one orphaned by a stray's death), each once a
// guard lets it (see [owner.Guard]), by identity, scanning below run
// again until none is left or the grace and the wait for SIGKILL are
// over. It returns every stray it saw and those still alive at the end
// (refused ones among them).
func removeStrays(ps []proc.ProcessInfo, grace time.Duration) (seen, left []proc.ProcessInfo) {
	if len(ps) == 0 {
		return nil, nil
	}
	g := owner.NewGuard()
	known := map[proc.Identity]bool{}
	var refused []proc.ProcessInfo
	admit := func(ps []proc.ProcessInfo) []proc.Identity {
		var ids []proc.Identity
		for _, p := range ps {
			if known[p.ID()] {
				continue
			}
			known[p.ID()] = true
			seen = append(seen, p)
			if g.Refuse(p, owner.Descendant) != nil {
				refused = append(refused, p)
				continue
			}
			ids = append(ids, p.ID())
		}
		return ids
	}
	rep := timeout.TerminateAll(admit(ps), syscall.SIGKILL, grace, func() []proc.Identity { return admit(strays()) })
	return seen, append(refused, rep.Survivors...)
}

// reapChildren reaps this process's zombie children but root (os/exec
// reaps its own child): the command's orphans it adopted and killed.
func reapChildren(root int) {
	if !adopting {
		return // a test's own process: its children's statuses are its own
	}
	kids, _ := proc.ChildrenOf(os.Getpid())
	for _, pid := range slices.DeleteFunc(kids, func(pid int) bool { return pid == root }) {
		platform.ReapAdopted(pid)
	}
}
