package timeout

import "github.com/3leaps/sysprims-go/internal/proc"

// Listening lists the sockets the tree's members listen on, by the
// container's own member list: a process that only carries the tree's
// marker (found by a scan) is not asked. It returns nothing once the tree
// is torn down; off Linux an error wrapping errors.ErrUnsupported.
func (t *Tree) Listening() ([]proc.Listener, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.closed {
		return nil, nil
	}
	pids, err := t.c.Members()
	if err != nil {
		return nil, err
	}
	return proc.Listening(pids)
}
