package sysprimstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"github.com/3leaps/sysprims-go/process"
)

// The programs of the os/exec compatibility table (exec_compat_unix_test.go
// adds the cases and programs of features Windows lacks).
func init() {
	fixtures.Register("compat-io", compatIO)
	// A test on Windows can wait for the root's exit on a handle of its
	// own without reaping it from the container (waiting on a pidfd from
	// os.FindProcess would reap it on Linux).
	if runtime.GOOS == "windows" {
		execCases = append(execCases, exitedPipeCase)
	}
}

// compatIO is "compat-io CODE [read] [pid]": with read it copies stdin to
// stdout, prefixed "in:"; with pid it prints its pid on stdout; it writes
// "out" on stdout and "err" on stderr and exits with CODE.
func compatIO(args []string) {
	code, _ := strconv.Atoi(args[0])
	for _, a := range args[1:] {
		switch a {
		case "read":
			b, _ := io.ReadAll(os.Stdin)
			fmt.Printf("in:%s\n", b)
		case "pid":
			fmt.Printf("%d\n", os.Getpid())
		}
	}
	fmt.Println("out")
	fmt.Fprintln(os.Stderr, "err")
	os.Exit(code)
}

// seen is what a test observed of one run: what it read, how the root
// ended. Plain os/exec and this package must give the same.
type seen struct {
	Out, Err string
	Code     int
	Sig      syscall.Signal
	Extra    string
}

// runner starts and waits for a command, as plain os/exec or as this
// package does.
type runner interface {
	start(t *testing.T, cmd *exec.Cmd)
	wait(t *testing.T) (code int, sig syscall.Signal)
}

// execStart is cmd.Start then cmd.Wait.
type execStart struct{ cmd *exec.Cmd }

func (r *execStart) start(t *testing.T, cmd *exec.Cmd) {
	r.cmd = cmd
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

func (r *execStart) wait(t *testing.T) (int, syscall.Signal) {
	err := r.cmd.Wait()
	return execStatus(t, r.cmd, err)
}

// execStatus reads how cmd ended; errors other than a non-zero exit, a
// WaitDelay overrun or a cancelled context fail t.
func execStatus(t *testing.T, cmd *exec.Cmd, err error) (int, syscall.Signal) {
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) && !errors.Is(err, exec.ErrWaitDelay) && !errors.Is(err, context.Canceled) {
		t.Errorf("os/exec: %v", err)
	}
	if cmd.ProcessState == nil {
		t.Fatalf("os/exec: no ProcessState (%v)", err)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return -1, ws.Signal()
	}
	return ws.ExitStatus(), 0
}

// execRun is cmd.Run in a goroutine.
type execRun struct {
	cmd  *exec.Cmd
	done chan error
}

func (r *execRun) start(t *testing.T, cmd *exec.Cmd) {
	r.cmd, r.done = cmd, make(chan error, 1)
	go func() { r.done <- cmd.Run() }()
}

func (r *execRun) wait(t *testing.T) (int, syscall.Signal) {
	return execStatus(t, r.cmd, <-r.done)
}

// ourStart is Start then Process.Wait.
type ourStart struct {
	opts []Option
	p    *Process
	res  *Result
}

func (r *ourStart) start(t *testing.T, cmd *exec.Cmd) { r.p = Start(t, cmd, r.opts...) }

func (r *ourStart) wait(t *testing.T) (int, syscall.Signal) {
	r.res = r.p.Wait(waittest.Scale(time.Minute))
	return ourStatus(t, r.res)
}

// ourStatus reads how the root ended from res, and checks res.JSON()
// against its schema.
func ourStatus(t *testing.T, res *Result) (int, syscall.Signal) {
	if res.Err != nil || res.TimedOut || len(res.Survivors) > 0 {
		t.Errorf("result %v", res)
	}
	if res.Err == nil {
		checkJSON(t, res)
	}
	return res.ExitCode, res.Signal
}

// ourRun is Run in a goroutine.
type ourRun struct {
	opts []Option
	done chan *Result
	res  *Result
}

func (r *ourRun) start(t *testing.T, cmd *exec.Cmd) {
	r.done = make(chan *Result, 1)
	go func() { r.done <- Run(t, waittest.Scale(time.Minute), cmd, r.opts...) }()
}

func (r *ourRun) wait(t *testing.T) (int, syscall.Signal) {
	r.res = <-r.done
	return ourStatus(t, r.res)
}

// execCase is one os/exec feature: do sets up cmd, starts it with r,
// reads what the feature gives and waits.
type execCase struct {
	name string
	// startOnly marks features os/exec documents as wrong with Run
	// ("it is incorrect to call Run when using StdoutPipe").
	startOnly bool
	// execHangs marks features with which plain os/exec never returns
	// (golang/go#10338: a Stdin that never ends blocks Wait even past
	// WaitDelay); want is then what this package must give.
	execHangs bool
	want      seen
	do        func(t *testing.T, r runner) seen
}

func ioCmd(args ...string) *exec.Cmd { return fixtures.Command("compat-io", args...) }

// waitFor waits for r, filling s's exit fields.
func waitFor(t *testing.T, r runner, s seen) seen {
	s.Code, s.Sig = r.wait(t)
	return s
}

var execCases = []execCase{
	{name: "Stdout and Stderr writers", do: func(t *testing.T, r runner) seen {
		var out, errb bytes.Buffer
		cmd := ioCmd("3")
		cmd.Stdout, cmd.Stderr = &out, &errb
		r.start(t, cmd)
		s := waitFor(t, r, seen{})
		s.Out, s.Err = out.String(), errb.String()
		return s
	}},
	{name: "Stdout and Stderr one writer", do: func(t *testing.T, r runner) seen {
		var out bytes.Buffer
		cmd := ioCmd("0")
		cmd.Stdout, cmd.Stderr = &out, &out
		r.start(t, cmd)
		s := waitFor(t, r, seen{})
		s.Out = out.String()
		return s
	}},
	{name: "Stdout file", do: func(t *testing.T, r runner) seen {
		// Not in t.TempDir: Wine 8 fails the RemoveAll of its cleanup
		// ("unlinkat: Invalid function"), while os.Remove works.
		f, err := os.CreateTemp("", "sysprims-compat-out")
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			f.Close()
			if err := os.Remove(f.Name()); err != nil {
				t.Error(err)
			}
		}()
		cmd := ioCmd("0")
		cmd.Stdout, cmd.Stderr = f, f
		r.start(t, cmd)
		s := waitFor(t, r, seen{})
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		s.Out = string(b)
		return s
	}},
	{name: "Stdout pipe of the caller", startOnly: true, do: func(t *testing.T, r runner) seen {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer pr.Close()
		cmd := ioCmd("0")
		cmd.Stdout = pw
		r.start(t, cmd)
		pw.Close()
		b, err := io.ReadAll(pr)
		return waitFor(t, r, seen{Out: string(b), Extra: errText(err)})
	}},
	{name: "StdoutPipe", startOnly: true, do: func(t *testing.T, r runner) seen {
		cmd := ioCmd("2")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		r.start(t, cmd)
		b, err := io.ReadAll(out)
		s := waitFor(t, r, seen{Out: string(b), Extra: errText(err)})
		_, err = out.Read(make([]byte, 1))
		s.Extra += " after Wait: " + errText(err)
		return s
	}},
	{name: "StderrPipe", startOnly: true, do: func(t *testing.T, r runner) seen {
		cmd := ioCmd("0")
		errp, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		r.start(t, cmd)
		b, err := io.ReadAll(errp)
		return waitFor(t, r, seen{Err: string(b), Extra: errText(err)})
	}},
	{name: "StdinPipe", do: func(t *testing.T, r runner) seen {
		var out bytes.Buffer
		cmd := ioCmd("0", "read")
		cmd.Stdout = &out
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		r.start(t, cmd)
		_, werr := io.WriteString(in, "hello")
		cerr := in.Close()
		s := waitFor(t, r, seen{Extra: errText(errors.Join(werr, cerr))})
		s.Out = out.String()
		return s
	}},
	{name: "Stdin reader", do: func(t *testing.T, r runner) seen {
		cmd := ioCmd("0", "read")
		cmd.Stdin = strings.NewReader("hello")
		return outOf(t, r, cmd)
	}},
	{name: "Stdin that never ends, with WaitDelay", execHangs: true, want: seen{Code: 4}, do: func(t *testing.T, r runner) seen {
		pr, pw := io.Pipe()
		defer pw.Close()
		cmd := fixtures.Command("exit", "4")
		cmd.Stdin, cmd.WaitDelay = pr, 100*time.Millisecond
		r.start(t, cmd)
		return waitFor(t, r, seen{}) // a Wait held up to its timeout fails in ourStatus
	}},
	{name: "Process and ProcessState", do: func(t *testing.T, r runner) seen {
		var out bytes.Buffer
		cmd := ioCmd("5", "pid")
		cmd.Stdout = &out
		r.start(t, cmd)
		s := waitFor(t, r, seen{})
		pid, _, _ := strings.Cut(out.String(), "\n")
		switch {
		case cmd.Process == nil:
			s.Extra = "no Process"
		case strconv.Itoa(cmd.Process.Pid) != pid:
			s.Extra = fmt.Sprintf("Process.Pid %d, the child says %s", cmd.Process.Pid, pid)
		case cmd.ProcessState == nil:
			s.Extra = "no ProcessState"
		default:
			s.Extra = fmt.Sprintf("ProcessState exit %d", cmd.ProcessState.ExitCode())
		}
		return s
	}},
	{name: "CommandContext cancelled", do: func(t *testing.T, r runner) seen {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := contextCmd(ctx, fixtures.Command("sleeper"))
		ready := readyWriter(cmd)
		r.start(t, cmd)
		<-ready
		cancel()
		return waitFor(t, r, seen{})
	}},
}

// outOf runs cmd with r, a buffer on its stdout, and returns what was
// seen, that output included.
func outOf(t *testing.T, r runner, cmd *exec.Cmd) seen {
	var out bytes.Buffer
	cmd.Stdout = &out
	r.start(t, cmd)
	s := waitFor(t, r, seen{})
	s.Out = out.String()
	return s
}

// contextCmd is cmd made with exec.CommandContext.
func contextCmd(ctx context.Context, cmd *exec.Cmd) *exec.Cmd {
	c := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	c.Env = cmd.Env
	return c
}

// readyWriter sets cmd.Stdout to a writer and returns a channel closed
// when the child wrote "ready".
func readyWriter(cmd *exec.Cmd) <-chan struct{} {
	ch := make(chan struct{})
	cmd.Stdout = &lineWatch{want: "ready", ch: ch}
	return ch
}

type lineWatch struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	ch   chan struct{}
}

func (w *lineWatch) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if w.ch != nil && bytes.Contains(w.buf.Bytes(), []byte(w.want)) {
		close(w.ch)
		w.ch = nil
	}
	return len(b), nil
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// Each os/exec feature gives under Start and Run, with every mechanism
// this machine has, exactly what it gives with plain os/exec.
func TestExecCompat(t *testing.T) {
	for _, c := range execCases {
		t.Run(c.name, func(t *testing.T) {
			wantStart, wantRun := c.want, c.want
			if !c.execHangs {
				wantStart = c.do(t, &execStart{})
			}
			if !c.execHangs && !c.startOnly {
				wantRun = c.do(t, &execRun{})
			}
			for _, m := range platform.Probe().Mechanisms {
				t.Run(string(m), func(t *testing.T) {
					opts := []Option{WithMechanism(m), RequireGuaranteed()}
					if process.ReliabilityOf(m) != process.Guaranteed {
						opts = opts[:1]
					}
					s := &ourStart{opts: opts}
					if got := c.do(t, s); got != wantStart {
						t.Errorf("Start: %+v\nos/exec:  %+v", got, wantStart)
					}
					checkMechanism(t, s.res, m)
					if c.startOnly {
						return
					}
					r := &ourRun{opts: opts}
					if got := c.do(t, r); got != wantRun {
						t.Errorf("Run:   %+v\nos/exec: %+v", got, wantRun)
					}
					checkMechanism(t, r.res, m)
				})
			}
		})
	}
}

func checkMechanism(t *testing.T, res *Result, m process.Mechanism) {
	t.Helper()
	if res != nil && res.Err == nil && res.Mechanism != m {
		t.Errorf("mechanism %s, asked for %s", res.Mechanism, m)
	}
}

// exitedPipeCase reads StdoutPipe only after the root exited (Windows
// only): the output waits in the pipe, as Wait, not the root's exit,
// closes the caller's end. A container that finished cmd.Wait when the
// root exited lost it ("file already closed").
var exitedPipeCase = execCase{name: "StdoutPipe read after the root exited", startOnly: true, do: func(t *testing.T, r runner) seen {
	cmd := ioCmd("0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.start(t, cmd)
	waitExit(t, cmd.Process.Pid)
	b, err := io.ReadAll(out)
	return waitFor(t, r, seen{Out: string(b), Extra: errText(err)})
}}

// waitExit waits for pid to exit through a handle of its own (Windows
// waits on handles: cmd.Process keeps its own, the container too).
func waitExit(t *testing.T, pid int) {
	p, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(); err != nil {
		t.Fatal(err)
	}
}
