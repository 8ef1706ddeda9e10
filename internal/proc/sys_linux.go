package proc

import (
	"encoding/binary"
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
)

// The raw file primitives of the Linux snapshot. They take NUL-terminated
// byte paths relative to an open directory so that a scan of a thousand
// processes allocates nothing per process.

// openDir opens the directory path for getdents and openat.
func openDir(path string) (int, error) {
	return unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

// openAt opens the NUL-terminated path relative to dirfd read-only.
func openAt(dirfd int, path []byte) (int, error) {
	fd, _, errno := unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd),
		uintptr(unsafe.Pointer(&path[0])), unix.O_RDONLY|unix.O_CLOEXEC, 0, 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// readFileAt reads the whole NUL-terminated path relative to dirfd into
// buf, growing it if the file is larger, and returns the filled buffer.
func readFileAt(dirfd int, path, buf []byte) ([]byte, error) {
	fd, err := openAt(dirfd, path)
	if err != nil {
		return buf[:0], err
	}
	buf, err = readAll(fd, buf[:0])
	if cerr := unix.Close(fd); err == nil && cerr != nil {
		err = cerr
	}
	return buf, err
}

// readAll appends the contents of fd to buf. A read that does not fill the
// buffer ends it: proc files are produced whole by the first read when the
// buffer is large enough, which saves the second read of an EOF.
func readAll(fd int, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = growBuf(buf)
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return buf, err
		}
		buf = buf[:len(buf)+n]
		if n == 0 || len(buf) < cap(buf) {
			return buf, nil
		}
	}
}

// growBuf doubles the capacity of buf, keeping its contents.
func growBuf(buf []byte) []byte {
	nb := make([]byte, len(buf), 2*cap(buf)+512)
	copy(nb, buf)
	return nb
}

// readPIDs lists the numeric entries of the open directory dirfd.
func readPIDs(dirfd int) ([]int, error) {
	buf := make([]byte, 32<<10)
	pids := make([]int, 0, 1024)
	for {
		n, err := unix.Getdents(dirfd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return pids, nil
		}
		pids = appendDirentPIDs(pids, buf[:n])
	}
}

// appendDirentPIDs parses linux_dirent64 records (inode u64, offset i64,
// reclen u16, type u8, NUL-terminated name) and appends numeric names.
//
//go:norace
func appendDirentPIDs(pids []int, buf []byte) []int {
	const nameOff = 19
	for len(buf) > nameOff {
		reclen := int(binary.NativeEndian.Uint16(buf[16:18]))
		if reclen <= nameOff || reclen > len(buf) {
			break
		}
		if pid, ok := parsePIDName(buf[nameOff:reclen]); ok {
			pids = append(pids, pid)
		}
		buf = buf[reclen:]
	}
	return pids
}

// parsePIDName parses a NUL-terminated directory name made of digits only,
// a pid in 1..procfs.MaxPID.
//
//go:norace
func parsePIDName(name []byte) (int, bool) {
	pid := 0
	i := 0
	for ; i < len(name) && name[i] != 0; i++ {
		c := name[i]
		if c < '0' || c > '9' || pid > (procfs.MaxPID-int(c-'0'))/10 {
			return 0, false
		}
		pid = pid*10 + int(c-'0')
	}
	return pid, i > 0 && pid > 0
}

// vanished reports whether err means the process went away while read.
func vanished(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH)
}

// appendPath appends "pid/file\x00" to b: a path relative to the proc root.
//
//go:norace
func appendPath(b []byte, pid int, file string) []byte {
	b = appendInt(b, pid)
	b = append(b, '/')
	b = append(b, file...)
	return append(b, 0)
}

// appendInt appends the decimal form of a non-negative v.
//
//go:norace
func appendInt(b []byte, v int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
