package helper

import (
	"bufio"
	"fmt"
	"io"
	"os"
	ossignal "os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// shim is the subreaper of one tree: it starts the root in a new session,
// reaps everything, and signals or kills its whole subtree on request, or
// when its caller goes away.
type shim struct {
	ctl        *os.File
	in         *bufio.Reader // control lines from the caller
	caller     int
	wmu        sync.Mutex // serialises control writes
	reap       sync.Mutex // held while walking and signalling: no child is reaped meanwhile
	root       int
	rootReaped bool               // under reap
	rootStatus syscall.WaitStatus // set with rootReaped
	empty      chan struct{}
	killReq    chan struct{}
}

// runShim is the shim's main; args is
// [exe, ModeShim, marker, nExtra, path, argv0, argv...] (the marker names
// the environment variable that marks the shim itself).
func runShim(args []string) int {
	caller, err := checkCaller()
	if err != nil {
		return refuse(ModeShim, err)
	}
	s := &shim{ctl: os.NewFile(CtlFD, "sysprims-ctl"), caller: caller, empty: make(chan struct{}), killReq: make(chan struct{}, 1)}
	s.in = bufio.NewReader(s.ctl)
	nExtra, err := strconv.Atoi(args[min(3, len(args)-1)])
	if len(args) < 6 || err != nil || nExtra < 0 {
		s.sendLine("error %d", syscall.EINVAL)
		return refuse(ModeShim, fmt.Errorf("bad arguments %q", args))
	}
	env, err := s.readEnv()
	if err != nil {
		s.sendLine("error %d", syscall.EINVAL)
		return refuse(ModeShim, err)
	}
	// Caught, not ignored: caught signals are reset for the root at exec.
	sigs := make(chan os.Signal, 1)
	ossignal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	if err := becomeReaper(caller); err != nil {
		s.sendLine("error %d", errno(err))
		return 3
	}
	if err := s.start(env, nExtra, args[4], args[5:]); err != nil {
		s.sendLine("error %d", errno(err))
		return 4
	}
	go s.reaper()
	go s.listen()
	return s.serve(sigs)
}

// becomeReaper makes the shim a child subreaper that gets SIGTERM when
// its caller dies, and checks the caller did not die already.
func becomeReaper(caller int) error {
	if err := prctl(prSetChildSubreaper, 1); err != nil {
		return err
	}
	if err := prctl(prSetPdeathsig, uintptr(syscall.SIGTERM)); err != nil {
		return err
	}
	if os.Getppid() != caller {
		return syscall.ESRCH
	}
	return nil
}

// readEnv reads the root's environment, the caller's first message:
// "env N" and N bytes of NUL-separated entries. The shim's own
// environment holds only its marker, so no scan for a tree's or a test's
// markers takes the shim for a member.
func (s *shim) readEnv() ([]string, error) {
	line, err := s.in.ReadString('\n')
	var n int
	if _, perr := fmt.Sscanf(line, "env %d\n", &n); perr != nil || n < 0 {
		return nil, fmt.Errorf("no environment from the caller: %q %v", line, err)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(s.in, b); err != nil {
		return nil, fmt.Errorf("environment from the caller: %w", err)
	}
	if n == 0 {
		return []string{}, nil
	}
	return strings.Split(string(b), "\x00"), nil
}

// start starts the root with the shim's stdio and its extra files (fds 4
// on, passed as 3 on), in a new session, with env; then lets go of every
// inherited fd but the control one.
func (s *shim) start(env []string, nExtra int, path string, argv []string) error {
	files := []uintptr{0, 1, 2}
	for fd := CtlFD + 1; fd <= CtlFD+nExtra; fd++ {
		syscall.CloseOnExec(fd)
		files = append(files, uintptr(fd))
	}
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: env, Files: files, Sys: &syscall.SysProcAttr{Setsid: true}})
	if err != nil {
		return err
	}
	s.root = pid
	s.sendLine("pid %d", pid)
	for fd := CtlFD + 1; fd <= CtlFD+nExtra; fd++ {
		syscall.Close(fd)
	}
	if null, err := syscall.Open("/dev/null", syscall.O_RDWR, 0); err == nil {
		for fd := 0; fd < 3; fd++ {
			syscall.Dup3(null, fd, 0)
		}
		syscall.Close(null)
	}
	return nil
}

// reaper reaps every child; it reports the root's exit and closes empty
// when no child is left (final: only descendants can become children).
func (s *shim) reaper() {
	for {
		if err := waitAnyNoReap(); err != nil {
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
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err != nil || pid <= 0 {
			return
		}
		if pid != s.root {
			continue
		}
		s.rootReaped, s.rootStatus = true, ws
		code, sig := ws.ExitStatus(), 0
		if ws.Signaled() {
			code, sig = -1, int(ws.Signal())
		}
		s.sendLine("exit %d %d %d", code, sig, len(Children(os.Getpid())))
	}
}

// listen runs control commands; EOF means the caller closed the
// container or is gone.
func (s *shim) listen() {
	r := bufio.NewScanner(s.in)
	for r.Scan() {
		line := r.Text()
		switch {
		case line == "kill":
			s.requestKill()
		case strings.HasPrefix(line, "signal "):
			s.signalTree(parseSignals(line)...)
			s.sendLine("signalled")
		}
	}
	s.requestKill()
}

func parseSignals(line string) []syscall.Signal {
	var out []syscall.Signal
	for _, f := range strings.Fields(line)[1:] {
		if n, err := strconv.Atoi(f); err == nil && n > 0 && n < 65 {
			out = append(out, syscall.Signal(n))
		}
	}
	return out
}

func (s *shim) requestKill() {
	select {
	case s.killReq <- struct{}{}:
	default:
	}
}

// serve waits for the tree to empty, killing it when asked or when a
// signal finds the caller gone. A signal while the caller lives (someone
// ran kill on the shim) changes nothing: only the caller ends its trees.
func (s *shim) serve(sigs chan os.Signal) int {
	for {
		select {
		case <-s.empty:
			s.sendUsage()
			s.sendLine("empty")
			return s.exitAsRoot()
		case <-s.killReq:
			s.killAll()
		case <-sigs:
			if os.Getppid() != s.caller {
				s.killAll()
			}
		}
	}
}

// exitAsRoot ends the shim as the root ended, so that the caller's
// cmd.ProcessState (the shim's) reads as the root's: with its exit code,
// or by its signal where the Go runtime lets a process die of it
// (elsewhere, and when the root was not reaped, 128+n or 0).
func (s *shim) exitAsRoot() int {
	s.reap.Lock()
	ws, reaped := s.rootStatus, s.rootReaped
	s.reap.Unlock()
	switch {
	case !reaped:
		return 0
	case !ws.Signaled():
		return ws.ExitStatus()
	}
	switch sig := ws.Signal(); sig {
	case syscall.SIGKILL, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM:
		ossignal.Reset(sig)
		syscall.Kill(os.Getpid(), sig)
		time.Sleep(time.Second) // the signal is on its way; never reached
	}
	return 128 + int(ws.Signal())
}

// killAll stops then kills every descendant, round after round, until no
// child is left (a fork storm cannot outrun SIGSTOP).
func (s *shim) killAll() {
	for {
		s.signalTree(syscall.SIGSTOP, syscall.SIGKILL)
		select {
		case <-s.empty:
			return
		case <-time.After(time.Millisecond):
		}
	}
}

// signalTree sends each of sigs, in order, to the whole subtree: first
// to the root's process group in one call while the root is unreaped
// (its pid then still names the session it made, which only its
// descendants can be in), so most of a tree has its signal before the
// walk begins; then through a pidfd to every member the walk finds
// outside that group.
func (s *shim) signalTree(sigs ...syscall.Signal) {
	s.reap.Lock()
	defer s.reap.Unlock()
	group := s.root > 0 && !s.rootReaped
	if group {
		for _, sig := range sigs {
			syscall.Kill(-s.root, sig)
		}
	}
	ms := walk(os.Getpid())
	defer closeMembers(ms)
	for _, sig := range sigs {
		for _, m := range ms {
			if !group || m.pgid != s.root {
				m.send(sig)
			}
		}
	}
}

// sendLine writes one line to the caller; errors mean the caller is gone,
// which listen notices.
func (s *shim) sendLine(format string, a ...any) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	fmt.Fprintf(s.ctl, format+"\n", a...)
}

// sendUsage reports getrusage(RUSAGE_CHILDREN) once no child is left:
// "usage USER_US SYS_US MAXRSS_KB", the CPU time of every descendant
// reaped (by the shim, or by a descendant the shim reaped) and the
// largest peak RSS among them.
func (s *shim) sendUsage() {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) != nil {
		return
	}
	s.sendLine("usage %d %d %d", usec(ru.Utime), usec(ru.Stime), ru.Maxrss)
}

func usec(tv syscall.Timeval) int64 { return int64(tv.Sec)*1e6 + int64(tv.Usec) }
