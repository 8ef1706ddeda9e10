package platform

import (
	"os"
	"slices"
	"sync"
)

// ownFDs are the descriptors this package keeps open for as long as the
// process lives.
var (
	ownMu  sync.Mutex
	ownFDs = map[int]bool{}
)

// OwnFiles returns the descriptors this package keeps open for as long as
// the process lives (on Linux the cgroup run directory's lock and the
// guardian's control socket, from the first cgroup tree on), sorted, so a
// descriptor leak check can excuse them. Descriptors of a tree are closed
// when the tree is torn down and are not listed.
func OwnFiles() []int {
	ownMu.Lock()
	defer ownMu.Unlock()
	out := make([]int, 0, len(ownFDs))
	for fd := range ownFDs {
		out = append(out, fd)
	}
	slices.Sort(out)
	return out
}

// keepFD records fd as one of [OwnFiles], or forgets it.
func keepFD(fd int, keep bool) {
	ownMu.Lock()
	defer ownMu.Unlock()
	if keep {
		ownFDs[fd] = true
	} else {
		delete(ownFDs, fd)
	}
}

// keepFile records f's descriptor as one of [OwnFiles], or forgets it,
// without changing its blocking mode (as f.Fd would).
func keepFile(f *os.File, keep bool) {
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { keepFD(int(fd), keep) })
	}
}
