package sysprimstest

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/3leaps/sysprims-go/fixtures"
	"golang.org/x/sys/unix"
)

// TestWithDescriptors: a file, a listening socket and a pipe the test
// left open are each caught and named; a test that closes what it opens,
// starts and stops a tree (the library's own descriptors: containers,
// pidfds, the cgroup guardian) and wakes the network poller is not.
func TestWithDescriptors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		leak func(t *testing.T) (close func())
		want []string // one line of the report each, in fd order
	}{
		{"os.Open", func(t *testing.T) func() {
			path := filepath.Join(dir, "leaked.txt")
			os.WriteFile(path, []byte("x"), 0o600)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			return func() { f.Close() }
		}, []string{": file " + filepath.Join(dir, "leaked.txt") + " (read-only)"}},
		{"listening socket", func(t *testing.T) func() {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			return func() { ln.Close() }
		}, []string{": socket tcp listening on 127.0.0.1:"}},
		{"unix socket", func(t *testing.T) func() {
			ln, err := net.Listen("unix", filepath.Join(dir, "s.sock"))
			if err != nil {
				t.Fatal(err)
			}
			return func() { ln.Close() }
		}, []string{": socket unix " + filepath.Join(dir, "s.sock") + " (socket:["}},
		{"pipe", func(t *testing.T) func() {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			return func() { r.Close(); w.Close() }
		}, []string{": pipe read end (pipe:[", ": pipe write end (pipe:["}},
		// The runtime's poller is in the baseline: an epoll or eventfd
		// of the test's own is no longer taken for it.
		{"epoll", func(t *testing.T) func() {
			fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
			if err != nil {
				t.Fatal(err)
			}
			return func() { unix.Close(fd) }
		}, []string{": other anon_inode:[eventpoll]"}},
		{"eventfd", func(t *testing.T) func() {
			fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
			if err != nil {
				t.Fatal(err)
			}
			return func() { unix.Close(fd) }
		}, []string{": other anon_inode:[eventfd]"}},
		{"clean", func(t *testing.T) func() {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				if c, err := ln.Accept(); err == nil {
					c.Close()
				}
			}()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
			ln.Close() // Accept may not have returned yet: the check waits for the close
			r, w, _ := os.Pipe()
			w.Close()
			io.Copy(io.Discard, r)
			r.Close()
			rec := NewRecorder("TestTree")
			p := Start(rec, fixtures.Command("sleeper"))
			<-p.Buffer().Detect("ready")
			p.Buffer().CancelDetects()
			rec.Close()
			return func() {}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := NewRecorder("TestLeaky")
			VerifyNoLeaks(rec, WithDescriptors())
			closeAll := tt.leak(t)
			errs := rec.Close()
			closeAll()
			if tt.want == nil {
				if errs != "" {
					t.Fatalf("a clean test was charged:\n%s", errs)
				}
				return
			}
			if !strings.Contains(errs, "file descriptor(s) opened by TestLeaky were not closed") {
				t.Fatalf("no descriptor report:\n%s", errs)
			}
			lines := strings.Split(errs, "\n\t")[1:]
			if len(lines) != len(tt.want) {
				t.Fatalf("report lists %d descriptors, want %d:\n%s", len(lines), len(tt.want), errs)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], "fd ") || !strings.Contains(lines[i], w) {
					t.Errorf("line %q, want it to contain %q", lines[i], w)
				}
			}
		})
	}
}

// TestWithDescriptorsError: the error is typed, unwraps to its sentinel,
// and comes with a process leak when both happen; without the option
// nothing is said about descriptors.
func TestWithDescriptorsError(t *testing.T) {
	sc, err := newScope("TestBoth", settings{descriptors: true})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = sc.verify("TestBoth")
	var de *DescriptorLeakError
	if !errors.As(err, &de) || !errors.Is(err, ErrDescriptorsLeaked) || len(de.Descriptors) != 1 ||
		de.Descriptors[0].Kind != "file" || de.Descriptors[0].Target != os.DevNull {
		t.Fatalf("verify() = %v", err)
	}
	plain, _ := newScope("TestPlain", settings{})
	if err := plain.verify("TestPlain"); err != nil {
		t.Errorf("without WithDescriptors: %v", err)
	}
}
