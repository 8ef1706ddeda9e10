//go:build unix

package signal

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// startSleep starts a sleep in its own process group and makes sure it is
// killed and reaped at the end of the test.
func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

func waitSignal(t *testing.T, cmd *exec.Cmd, want syscall.Signal) {
	t.Helper()
	cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != want {
		t.Fatalf("child ended %v, want %v", cmd.ProcessState, want)
	}
}

func TestSendDelivers(t *testing.T) {
	cmd := startSleep(t)
	if err := Send(cmd.Process.Pid, 0); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if err := Send(cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, cmd, syscall.SIGTERM)
	if err := Send(cmd.Process.Pid, syscall.SIGTERM); !errors.Is(err, proc.ErrNotFound) {
		t.Errorf("send to reaped pid = %v, want ErrNotFound", err)
	}
}

func TestSendIdentity(t *testing.T) {
	cmd := startSleep(t)
	p, err := proc.Get(cmd.Process.Pid, proc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stale := p.ID()
	stale.StartTimeUnixMs -= 10_000
	if err := SendIdentity(stale, syscall.SIGKILL); !errors.Is(err, ErrPIDReused) {
		t.Fatalf("stale identity: %v, want ErrPIDReused", err)
	}
	if err := SendIdentity(proc.Identity{PID: 1}, syscall.SIGKILL); !errors.Is(err, ErrInvalidPID) {
		t.Fatalf("pid 1: %v", err)
	}
	if err := SendIdentity(p.ID(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, cmd, syscall.SIGUSR1)
	if err := SendIdentity(p.ID(), syscall.SIGKILL); err == nil {
		t.Fatal("identity of a reaped process was signalled")
	}
}

func TestSendGroup(t *testing.T) {
	cmd := startSleep(t)
	if err := SendGroup(cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, cmd, syscall.SIGINT)
	if err := SendGroup(cmd.Process.Pid, syscall.SIGINT); !errors.Is(err, proc.ErrNotFound) {
		t.Errorf("empty group: %v", err)
	}
}

func TestIsTerminating(t *testing.T) {
	for _, s := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGKILL, syscall.SIGQUIT, syscall.SIGUSR1} {
		if !IsTerminating(s) {
			t.Errorf("%v not terminating", s)
		}
	}
	for _, s := range []syscall.Signal{0, syscall.SIGSTOP, syscall.SIGCONT, syscall.SIGCHLD, syscall.SIGTSTP, syscall.SIGWINCH} {
		if IsTerminating(s) {
			t.Errorf("%v terminating", s)
		}
	}
}

func TestParseAliases(t *testing.T) {
	if sig, err := Parse("IOT"); err != nil || sig != syscall.SIGABRT {
		t.Errorf("IOT = %v %v", sig, err)
	}
	for _, s := range []string{"STOP", "CONT", "SIGSTOP", "cont", "19"} {
		if _, err := Parse(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}
