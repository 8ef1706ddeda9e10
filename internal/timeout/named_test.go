package timeout

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
)

// fakeNamed is a named tree of pretend members: Signal ends them unless
// they ignore it, Kill always does.
type fakeNamed struct {
	ignore  bool
	refused error

	mu      sync.Mutex
	members []int
	signals []syscall.Signal
	killed  bool
	closed  bool
}

func (f *fakeNamed) Mechanism() platform.Mechanism     { return platform.MechanismNamed }
func (f *fakeNamed) Reliability() platform.Reliability { return platform.BestEffort }
func (f *fakeNamed) Start(*exec.Cmd) error             { panic("not started here") }
func (f *fakeNamed) PID() int                          { return 42 }
func (f *fakeNamed) Wait() (platform.ExitStatus, error) {
	return platform.ExitStatus{}, errors.ErrUnsupported
}
func (f *fakeNamed) Refused() error { return f.refused }

func (f *fakeNamed) Signal(sig syscall.Signal) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signals = append(f.signals, sig)
	if !f.ignore {
		f.members = nil
	}
	return nil
}

func (f *fakeNamed) Kill() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.killed, f.members = true, nil
	return nil
}

func (f *fakeNamed) Members() ([]int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.members...), nil
}

func (f *fakeNamed) WaitEmpty(ctx context.Context) error {
	for {
		if ms, _ := f.Members(); len(ms) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

func (f *fakeNamed) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func useNamed(t *testing.T, f *fakeNamed, err error) *int {
	t.Helper()
	var named int
	old := newNamed
	newNamed = func(pid int) (namedContainer, error) {
		named = pid
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	t.Cleanup(func() { newNamed = old })
	return &named
}

func TestTerminateNamedPolicy(t *testing.T) {
	polite := &fakeNamed{members: []int{1 << 22}}
	named := useNamed(t, polite, nil)
	o, err := TerminateNamed(42, Config{Signal: syscall.SIGINT, Grace: time.Hour})
	if err != nil || *named != 42 {
		t.Fatalf("TerminateNamed: %v (named %d)", err, *named)
	}
	if o.Escalated || polite.killed || !polite.closed || len(polite.signals) != 1 || polite.signals[0] != syscall.SIGINT {
		t.Errorf("a tree honouring SIGINT: outcome %+v, fake %+v", o, polite)
	}
	if o.Mechanism != platform.MechanismNamed || o.TreeKillReliability != platform.BestEffort || o.SignalSent != "SIGINT" || o.ExitCode != -1 || o.Error != "" {
		t.Errorf("outcome %+v", o)
	}

	stubborn := &fakeNamed{ignore: true, members: []int{1 << 22}, refused: errors.New("pid 7 is a sysprims helper")}
	useNamed(t, stubborn, nil)
	o, _ = TerminateNamed(42, Config{Grace: 20 * time.Millisecond})
	if !o.Escalated || !stubborn.killed || o.SignalSent != "SIGTERM" || !strings.Contains(o.Error, "pid 7 is a sysprims helper") {
		t.Errorf("a tree ignoring SIGTERM: outcome %+v", o)
	}
}

func TestTerminateNamedRefused(t *testing.T) {
	useNamed(t, nil, errFake)
	if _, err := TerminateNamed(42, Config{}); !errors.Is(err, errFake) {
		t.Errorf("err = %v", err)
	}
	if _, err := TerminateNamed(42, Config{Grace: -1}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("negative grace: %v", err)
	}
}
