//go:build unix

package signal

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// aliases are the second names some signals have.
var aliases = map[string]syscall.Signal{
	"SIGIOT":  syscall.SIGABRT,
	"SIGPOLL": syscall.SIGIO,
	"SIGCLD":  syscall.SIGCHLD,
}

func byName(upper string) (syscall.Signal, bool) {
	if sig := unix.SignalNum(upper); sig != 0 {
		return sig, true
	}
	sig, ok := aliases[upper]
	return sig, ok && name(sig) != ""
}

func name(sig syscall.Signal) string { return unix.SignalName(sig) }

func all() []syscall.Signal {
	var out []syscall.Signal
	for n := 1; n < 65; n++ {
		if name(syscall.Signal(n)) != "" {
			out = append(out, syscall.Signal(n))
		}
	}
	return out
}

func terminating(sig syscall.Signal) bool {
	switch sig {
	case 0, unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGCONT,
		unix.SIGCHLD, unix.SIGURG, unix.SIGWINCH:
		return false
	}
	return name(sig) != ""
}

func ownGroup() int { return unix.Getpgrp() }

// sigCONT follows a polite signal ([SendPolite]).
const sigCONT = unix.SIGCONT
