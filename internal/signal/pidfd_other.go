//go:build !linux

package signal

import (
	"errors"
	"syscall"
)

// openPidfd returns -1: only Linux has pidfds, so kill(2) is used.
func openPidfd(int) (int, error) { return -1, nil }

// pidfdSend is never reached without a pidfd.
func pidfdSend(int, syscall.Signal) error { return errors.ErrUnsupported }

func closePidfd(int) {}

// killable accepts every pid: thread ids are not pids here.
func killable(int) error { return nil }
