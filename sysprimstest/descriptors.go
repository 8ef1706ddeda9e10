package sysprimstest

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
)

// ErrDescriptorsLeaked is the sentinel a [*DescriptorLeakError] unwraps to.
var ErrDescriptorsLeaked = errors.New("sysprims: file descriptors leaked")

// DescriptorLeakError lists the file descriptors a test (or the test
// binary) opened and did not close, found by [WithDescriptors]. It
// reaches the test's Errorf as [*LeakError] does.
type DescriptorLeakError struct {
	Scope       string // the test name, or "the test binary"
	Descriptors []Descriptor
}

// Error lists the descriptors, one per line.
func (e *DescriptorLeakError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sysprims: %d file descriptor(s) opened by %s were not closed:", len(e.Descriptors), e.Scope)
	for _, d := range e.Descriptors {
		b.WriteString("\n\t" + d.String())
	}
	return b.String()
}

// Unwrap returns [ErrDescriptorsLeaked].
func (e *DescriptorLeakError) Unwrap() error { return ErrDescriptorsLeaked }

// Descriptor is one open file descriptor of the test process.
type Descriptor struct {
	FD int
	// Kind is "file", "socket", "pipe" or "other" (an anonymous inode
	// such as a timerfd or signalfd).
	Kind string
	// Target is what /proc/self/fd/FD links to: a path, "socket:[INODE]",
	// "pipe:[INODE]", "anon_inode:[timerfd]".
	Target string
	// Detail says more where it can: "tcp listening on 127.0.0.1:4242",
	// "tcp 127.0.0.1:5000 -> 127.0.0.1:80", "unix /run/app.sock",
	// "write end", "read-only".
	Detail string
}

// String describes d on one line:
// "fd 7: socket tcp listening on 127.0.0.1:4242 (socket:[598896])",
// "fd 9: pipe write end (pipe:[598899])", "fd 5: file /tmp/x (read-only)".
func (d Descriptor) String() string {
	if d.Kind == "file" {
		return fmt.Sprintf("fd %d: file %s (%s)", d.FD, d.Target, d.Detail)
	}
	if d.Detail == "" {
		return fmt.Sprintf("fd %d: %s %s", d.FD, d.Kind, d.Target)
	}
	return fmt.Sprintf("fd %d: %s %s (%s)", d.FD, d.Kind, d.Detail, d.Target)
}

// fdTable is what the test process has open: descriptor → what
// /proc/self/fd links it to.
type fdTable map[int]string

// openFiles returns the test process's descriptors, or nil where they
// cannot be listed (off Linux: the check is then a no-op). The Go
// runtime's network poller is running by then, so its epoll and eventfd
// are in every baseline, and an epoll or eventfd the test opens is not
// taken for the runtime's.
func openFiles() fdTable {
	startPoller()
	fds, err := proc.Files(os.Getpid())
	if err != nil {
		return nil
	}
	return fds
}

// startPoller makes the Go runtime start its network poller (an epoll
// and an eventfd, opened once for the life of the process) by opening a
// pipe, which the runtime registers with it.
var startPoller = sync.OnceFunc(func() {
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
})

// excusedFile reports whether a descriptor with this target is a process
// handle: a pidfd, held by an os.Process (and by this library for a
// process it started), whose process the process check judges.
func excusedFile(target string) bool {
	return target == "anon_inode:[pidfd]" || strings.HasPrefix(target, "pidfd:")
}

// newFiles lists, sorted, the descriptors of now that base lacks or that
// name another file since, leaving out own and the excused ones.
func newFiles(base, now fdTable, own []int) []int {
	var out []int
	for fd, target := range now {
		if base[fd] != target && !excusedFile(target) && !slices.Contains(own, fd) {
			out = append(out, fd)
		}
	}
	slices.Sort(out)
	return out
}

// verifyFiles returns a *DescriptorLeakError naming the descriptors
// opened since the check began and still open, waiting briefly for ones
// closed a moment ago (a listener whose Accept has not returned yet). It
// returns nil when the check was not asked for or cannot run here.
func (sc *scope) verifyFiles(what string) error {
	if sc.fds == nil {
		return nil
	}
	deadline := time.Now().Add(settleTime)
	for {
		now := openFiles()
		leaked := newFiles(sc.fds, now, platform.OwnFiles())
		if len(leaked) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return &DescriptorLeakError{Scope: what, Descriptors: describeFiles(leaked, now)}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// describeFiles says what each descriptor of fds is.
func describeFiles(fds []int, now fdTable) []Descriptor {
	var socks map[uint64]proc.Socket
	out := make([]Descriptor, len(fds))
	for i, fd := range fds {
		d := Descriptor{FD: fd, Target: now[fd], Kind: "other"}
		switch {
		case strings.HasPrefix(d.Target, "socket:["):
			if socks == nil {
				socks, _ = proc.NetSockets(os.Getpid())
			}
			d.Kind = "socket"
			if ino, ok := proc.SocketInode(d.Target); ok && socks[ino].Inode != 0 {
				d.Detail = socks[ino].String()
			}
		case strings.HasPrefix(d.Target, "pipe:["):
			d.Kind, d.Detail = "pipe", accessMode(fd, "read end", "write end", "")
		case strings.HasPrefix(d.Target, "/"):
			d.Kind, d.Detail = "file", accessMode(fd, "read-only", "write-only", "read-write")
		}
		out[i] = d
	}
	return out
}

// accessMode names how fd was opened: for reading, writing or both.
func accessMode(fd int, read, write, both string) string {
	flags, err := proc.FileFlags(os.Getpid(), fd)
	if err != nil {
		return ""
	}
	switch flags & 3 { // O_ACCMODE: 0 O_RDONLY, 1 O_WRONLY, 2 O_RDWR (Linux)
	case 0:
		return read
	case 1:
		return write
	}
	return both
}
