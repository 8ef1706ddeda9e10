//go:build !linux

package platform

// exitWatch is a no-op outside Linux: there is no pidfd to wait on, and
// a container learns of its root's exit from its Wait.
type exitWatch struct{}

func watchExit(int) *exitWatch { return nil }

func (w *exitWatch) exited() <-chan struct{} { return nil }

func (w *exitWatch) close() {}
