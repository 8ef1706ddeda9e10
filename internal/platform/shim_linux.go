//go:build linux

package platform

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	ossignal "os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// shim is the helper process of the subreaper container: a child
// subreaper that starts the root, reaps everything, and kills every
// descendant on request or when its caller goes away.
type shim struct {
	ctl     *os.File
	wmu     sync.Mutex // serialises control writes
	reap    sync.Mutex // held while listing and signalling, so no pid is reaped meanwhile
	root    int
	empty   chan struct{}
	killReq chan struct{}
}

// runShim is the shim's main: args are [exe, "sysprims-shim", path,
// argv0, argv...]; v is "<control fd> <caller pid>". It returns the exit
// code of the shim.
func runShim(v string, args []string) int {
	fd, caller, err := parseShimEnv(v)
	if err != nil || len(args) < 4 {
		fmt.Fprintf(os.Stderr, "sysprims: shim: bad invocation %q: %v\n", v, err)
		return 2
	}
	unix.CloseOnExec(fd)
	s := &shim{ctl: os.NewFile(uintptr(fd), "sysprims-ctl"), empty: make(chan struct{}), killReq: make(chan struct{}, 1)}
	if err := becomeReaper(caller); err != nil {
		s.send("error %d", errno(err))
		return 3
	}
	sigs := make(chan os.Signal, 1)
	ossignal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP)
	if err := s.start(fd, args[2], args[3:]); err != nil {
		s.send("error %d", errno(err))
		return 4
	}
	go s.reaper()
	go s.listen()
	return s.serve(sigs)
}

func parseShimEnv(v string) (fd, caller int, err error) {
	a, b, _ := strings.Cut(v, " ")
	if fd, err = strconv.Atoi(a); err != nil {
		return 0, 0, err
	}
	caller, err = strconv.Atoi(b)
	return fd, caller, err
}

// becomeReaper makes the shim a child subreaper that gets SIGTERM when
// its caller dies, and checks the caller did not die already.
func becomeReaper(caller int) error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGTERM), 0, 0, 0); err != nil {
		return err
	}
	if os.Getppid() != caller {
		return unix.ESRCH
	}
	return nil
}

// start starts the root with the shim's stdio, its extra files (fds 3 up
// to the control fd) and environment minus the shim variable, in a new
// process group; then lets go of every inherited fd but the control one.
func (s *shim) start(ctlFD int, path string, argv []string) error {
	files := make([]uintptr, 0, ctlFD)
	for i := 0; i < ctlFD; i++ {
		files = append(files, uintptr(i))
	}
	env := slicesDeleteKey(os.Environ(), envShim)
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: env, Files: files, Sys: &syscall.SysProcAttr{Setpgid: true}})
	if err != nil {
		return err
	}
	s.root = pid
	s.send("pid %d", pid)
	for i := 3; i < ctlFD; i++ {
		unix.Close(i)
	}
	if null, err := unix.Open("/dev/null", unix.O_RDWR, 0); err == nil {
		for i := 0; i < 3; i++ {
			unix.Dup2(null, i)
		}
		unix.Close(null)
	}
	return nil
}

// reaper reaps every child; it reports the root's exit and closes empty
// when no child is left (final: only descendants can become children).
func (s *shim) reaper() {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			close(s.empty)
			return
		}
		s.reap.Lock()
		s.reapAll()
		s.reap.Unlock()
	}
}

// reapAll reaps every zombie child without blocking.
func (s *shim) reapAll() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err != nil || pid <= 0 {
			return
		}
		if pid == s.root {
			st := statusOf(syscall.WaitStatus(ws))
			s.send("exit %d %d %d", st.Code, st.Signal, len(childrenOf(os.Getpid())))
		}
	}
}

// listen reads control commands; EOF means the caller is gone.
func (s *shim) listen() {
	r := bufio.NewScanner(s.ctl)
	for r.Scan() {
		if r.Text() == "kill" {
			s.requestKill()
		}
	}
	s.requestKill()
}

func (s *shim) requestKill() {
	select {
	case s.killReq <- struct{}{}:
	default:
	}
}

// serve waits for the tree to empty, killing it when asked or signalled.
func (s *shim) serve(sigs chan os.Signal) int {
	for {
		select {
		case <-s.empty:
			s.send("empty")
			return 0
		case <-s.killReq:
			s.killAll()
		case <-sigs:
			s.killAll()
		}
	}
}

// killAll stops then kills every descendant, round after round, until no
// child is left (a fork storm cannot outrun SIGSTOP).
func (s *shim) killAll() {
	for {
		s.reap.Lock()
		pids := subtree(os.Getpid())
		for _, p := range pids {
			unix.Kill(p, unix.SIGSTOP)
		}
		for _, p := range pids {
			unix.Kill(p, unix.SIGKILL)
		}
		s.reap.Unlock()
		select {
		case <-s.empty:
			return
		case <-time.After(time.Millisecond):
		}
	}
}

// send writes one line to the caller; errors mean the caller is gone,
// which listen notices.
func (s *shim) send(format string, a ...any) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	fmt.Fprintf(s.ctl, format+"\n", a...)
}

func errno(err error) int {
	var e syscall.Errno
	if errors.As(err, &e) {
		return int(e)
	}
	return int(unix.EINVAL)
}

// slicesDeleteKey returns env without entries for key.
func slicesDeleteKey(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}
