package helper

import (
	"syscall"
	"time"
	"unsafe"
)

// Syscalls the frozen syscall package lacks. pidfd_open and
// pidfd_send_signal have the same numbers on every Linux architecture Go
// supports except mips, where these numbers give ENOSYS and callers fall
// back to kill(2).
const (
	sysPidfdSendSignal  = 424
	sysPidfdOpen        = 434
	prSetPdeathsig      = 1
	prSetChildSubreaper = 36
	pALL                = 0
)

func prctl(op, arg uintptr) error {
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, op, arg, 0, 0, 0, 0); e != 0 {
		return e
	}
	return nil
}

// pidfdOpen returns a pidfd for pid, or -1 and the error.
func pidfdOpen(pid int) (int, error) {
	fd, _, e := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if e != 0 {
		return -1, e
	}
	syscall.CloseOnExec(int(fd))
	return int(fd), nil
}

func pidfdSend(fd int, sig syscall.Signal) error {
	if _, _, e := syscall.Syscall6(sysPidfdSendSignal, uintptr(fd), uintptr(sig), 0, 0, 0, 0); e != 0 {
		return e
	}
	return nil
}

// waitAnyNoReap blocks until some child has exited, without reaping it.
func waitAnyNoReap() error {
	var info [128]byte
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pALL, 0, uintptr(unsafe.Pointer(&info[0])), syscall.WEXITED|0x01000000 /* WNOWAIT */, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

// pollPri waits up to d for POLLPRI on fd (a cgroup.events change).
func pollPri(fd int, d time.Duration) {
	type pollFd struct {
		fd      int32
		events  int16
		revents int16
	}
	p := pollFd{fd: int32(fd), events: 0x2 /* POLLPRI */}
	ts := syscall.NsecToTimespec(d.Nanoseconds())
	syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&p)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
}
