package timeout

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"testing"

	"github.com/3leaps/sysprims-go/internal/platform"
)

// fakeContainer holds a single real process (the root) and no more. It
// lets the engine's control flow be tested without internal/platform.
type fakeContainer struct {
	rel        platform.Reliability
	startErr   error
	closeErr   error
	ignoreTerm bool // Signal leaves the root running; only Kill ends it
	// lose makes Start start the command, then report the container
	// lost (platform.ErrLost) without naming it; lost is the command.
	lose bool
	lost *exec.Cmd

	cmd    *exec.Cmd
	exited chan struct{}

	mu      sync.Mutex
	signals []syscall.Signal
	killed  bool
	closed  bool
}

func (f *fakeContainer) Mechanism() platform.Mechanism {
	if f.rel == platform.BestEffort {
		return platform.MechanismProcessGroup
	}
	return platform.MechanismCgroup
}

func (f *fakeContainer) Reliability() platform.Reliability {
	if f.rel == "" {
		return platform.Guaranteed
	}
	return f.rel
}

func (f *fakeContainer) Start(cmd *exec.Cmd) error {
	if f.startErr != nil {
		return f.startErr
	}
	if f.lose {
		f.lost = cmd
		if err := cmd.Start(); err != nil {
			return err
		}
		return fmt.Errorf("%w: fake", platform.ErrLost)
	}
	f.cmd, f.exited = cmd, make(chan struct{})
	return cmd.Start()
}

func (f *fakeContainer) PID() int { return f.cmd.Process.Pid }

func (f *fakeContainer) Wait() (platform.ExitStatus, error) {
	err := f.cmd.Wait()
	close(f.exited)
	ws := f.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return platform.ExitStatus{Code: -1, Signal: ws.Signal()}, err
	}
	return platform.ExitStatus{Code: ws.ExitStatus()}, err
}

func (f *fakeContainer) Signal(sig syscall.Signal) error {
	f.mu.Lock()
	f.signals = append(f.signals, sig)
	f.mu.Unlock()
	if f.ignoreTerm || isClosed(f.exited) {
		return nil
	}
	return f.cmd.Process.Signal(sig)
}

func (f *fakeContainer) Kill() error {
	f.mu.Lock()
	f.killed = true
	f.mu.Unlock()
	if isClosed(f.exited) {
		return nil
	}
	return f.cmd.Process.Kill()
}

func (f *fakeContainer) Members() ([]int, error) {
	if isClosed(f.exited) {
		return nil, nil
	}
	return []int{f.cmd.Process.Pid}, nil
}

func (f *fakeContainer) WaitEmpty(ctx context.Context) error {
	select {
	case <-f.exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeContainer) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	if f.exited != nil && !isClosed(f.exited) {
		_ = f.cmd.Process.Kill()
	}
	return f.closeErr
}

func (f *fakeContainer) sent() []syscall.Signal {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]syscall.Signal(nil), f.signals...)
}

// useFake makes Start use f (or a default fake) for the rest of the test
// and records the Spec it was asked for.
func useFake(t *testing.T, f *fakeContainer) *platform.Spec {
	t.Helper()
	var spec platform.Spec
	old := newContainer
	newContainer = func(s platform.Spec) (platform.Container, error) {
		spec = s
		return f, nil
	}
	t.Cleanup(func() { newContainer = old })
	return &spec
}

// failNew makes platform.New fail with err for the rest of the test.
func failNew(t *testing.T, err error) {
	t.Helper()
	old := newContainer
	newContainer = func(platform.Spec) (platform.Container, error) { return nil, err }
	t.Cleanup(func() { newContainer = old })
}

var _ platform.Container = (*fakeContainer)(nil)

var errFake = errors.New("fake failure")
