//go:build unix

package ginkgo_test

import "syscall"

// detachAttr puts a process in a new session when detach is set.
func detachAttr(detach bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: detach}
}
