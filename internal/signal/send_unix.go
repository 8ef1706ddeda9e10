//go:build unix && !linux

package signal

import (
	"syscall"

	"github.com/3leaps/sysprims-go/internal/proc"
	"golang.org/x/sys/unix"
)

// Send sends sig to pid with kill(2) after [ValidatePID]. A pid that does
// not exist gives an error wrapping [proc.ErrNotFound].
func Send(pid int, sig syscall.Signal) error {
	if err := ValidatePID(pid); err != nil {
		return err
	}
	return sendErr(pid, sig, unix.Kill(pid, sig))
}

// SendIdentity sends sig to the process id names after checking its start
// time with [proc.Get]; a pid now held by another process gives
// [ErrPIDReused]. Best effort here: without pidfds the check and the
// kill(2) are separate steps.
func SendIdentity(id proc.Identity, sig syscall.Signal) error {
	if err := ValidatePID(id.PID); err != nil {
		return err
	}
	if err := checkIdentity(id); err != nil {
		return err
	}
	return sendErr(id.PID, sig, unix.Kill(id.PID, sig))
}

// SendGroup sends sig to every process of process group pgid with
// killpg(2). It refuses 0, 1, negatives and the caller's own group.
func SendGroup(pgid int, sig syscall.Signal) error {
	if err := validateGroup(pgid); err != nil {
		return err
	}
	if err := unix.Kill(-pgid, sig); err != nil {
		return groupErr(pgid, sig, err)
	}
	return nil
}
