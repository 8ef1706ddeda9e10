package platform

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/3leaps/sysprims-go/internal/proc"
)

var adoptOnce = sync.OnceValue(func() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("sysprims: become a child subreaper: %w", err)
	}
	return nil
})

// AdoptOrphans makes this process a child subreaper: a descendant
// orphaned by its parent (a daemon that forked twice, a setsid escapee
// whose parent exited) is reparented to this process rather than to
// init, so it stays a descendant, found and proven by its parent links
// even when it wiped its environment. Once set it stays set. An adopted
// orphan that exits is this process's zombie until [ReapAdopted]; nothing
// here waits for children (wait4(-1) would steal os/exec's statuses).
func AdoptOrphans() error { return adoptOnce() }

// ReapAdopted reaps pid if it is a zombie child of this process, by its
// pid alone and without blocking, and reports whether it did. Call it
// only where no os/exec Wait can still want pid.
func ReapAdopted(pid int) bool {
	p, err := proc.Get(pid, proc.Options{})
	if err != nil || p.PPID != os.Getpid() || p.State != proc.StateZombie {
		return false
	}
	var ws unix.WaitStatus
	got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	return err == nil && got == pid
}
