//go:build !unix

package ginkgo_test

import "syscall"

// detachAttr has no sessions to offer here.
func detachAttr(bool) *syscall.SysProcAttr { return nil }
