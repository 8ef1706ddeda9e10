//go:build unix

package timeout

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// startReady starts script under sh, waits for its first line (the
// script says "ready" once its traps are set), and reaps it at the end.
func startReady(t *testing.T, script string) proc.Identity {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	p, err := proc.Get(cmd.Process.Pid, proc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID()
}

func TestTerminateAllPolite(t *testing.T) {
	id := startReady(t, "echo ready; exec sleep 300")
	rep := TerminateAll([]proc.Identity{id}, syscall.SIGTERM, waittest.Scale(10*time.Second), nil)
	if rep.Escalated || rep.Signalled != 1 || len(rep.Survivors) > 0 {
		t.Errorf("report %+v", rep)
	}
}

func TestTerminateAllEscalatesAndRescans(t *testing.T) {
	stubborn := startReady(t, `trap "" TERM; echo ready; exec sleep 300`)
	late := startReady(t, `trap "" TERM; echo ready; exec sleep 300`)
	rescans := 0
	rescan := func() []proc.Identity {
		rescans++
		if rescans == 2 {
			return []proc.Identity{late}
		}
		return nil
	}
	rep := TerminateAll([]proc.Identity{stubborn}, syscall.SIGTERM, 50*time.Millisecond, rescan)
	if !rep.Escalated || rep.Signalled != 2 || len(rep.Survivors) > 0 {
		t.Errorf("report %+v", rep)
	}
	for _, id := range []proc.Identity{stubborn, late} {
		if _, ok := lookup(id, 0); ok {
			t.Errorf("pid %d still alive", id.PID)
		}
	}
}

func TestTerminateAllSkipsReusedPID(t *testing.T) {
	id := startReady(t, "echo ready; exec sleep 300")
	stale := proc.Identity{PID: id.PID, StartTimeUnixMs: id.StartTimeUnixMs - 5000}
	rep := TerminateAll([]proc.Identity{stale}, syscall.SIGKILL, 10*time.Millisecond, nil)
	if rep.Signalled != 0 || rep.Escalated {
		t.Errorf("a stale identity was signalled: %+v", rep)
	}
	if _, ok := lookup(id, 0); !ok {
		t.Error("the process now holding the pid was killed")
	}
}

// KillAll, the leak check's kill, waits by the engine's rule until what
// it killed is gone (the leak check's copy waited a fixed 250 ms, and
// only at the end of the binary), and reports a refused send, not a
// process that was gone already.
func TestKillAll(t *testing.T) {
	id := startReady(t, `trap "" TERM; echo ready; while :; do sleep 1; done`)
	failed, left := KillAll([]proc.Identity{id})
	if len(failed) != 0 || len(left) != 0 {
		t.Fatalf("KillAll = %v, %v, want no failure and nothing left", failed, left)
	}
	if _, ok := proc.Running(id, proc.Options{}); ok {
		t.Error("the killed process still runs after KillAll")
	}
	denied, goneID := proc.Identity{PID: 1 << 30}, proc.Identity{PID: 1<<30 + 1}
	failed, _ = killAll([]proc.Identity{denied, goneID}, func(id proc.Identity, _ syscall.Signal) error {
		if id == denied {
			return os.ErrPermission
		}
		return proc.ErrNotFound
	})
	if len(failed) != 1 || !errors.Is(failed[denied], os.ErrPermission) {
		t.Errorf("killAll failures = %v, want the denied send alone", failed)
	}
}
