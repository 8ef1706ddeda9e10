//go:build unix

package sysprimstest

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// Process.Signal reaches the root alone, as os/exec and gexec do, and the
// engine does not blame the root's end on someone else; SignalTree
// reaches every member. Before, Process.Signal signalled the whole tree
// while the package-level Signal signalled one process.
func TestSignalIsTheRootAlone(t *testing.T) {
	r := listen(t)
	cmd := fixtures.Command("grandchild")
	r.Attach(cmd)
	p := Start(t, cmd)
	if _, err := r.Await(3, waittest.Scale(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	if code, sig, exited := p.ExitStatus(); code != -1 || sig != syscall.SIGTERM || !exited || p.ExitCode() != 128+int(syscall.SIGTERM) {
		t.Errorf("ExitStatus() = %d, %v, %v; ExitCode() = %d", code, sig, exited, p.ExitCode())
	}
	if ms, err := p.Members(); err != nil || len(ms) != 2 {
		t.Errorf("members after the root's end: %v, %v (want the child and the grandchild)", ms, err)
	}
	if err := p.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Signal of an exited root: %v, want os.ErrProcessDone", err)
	}
	p.Kill() // an exited root is no error
	if err := p.SignalTree(syscall.SIGCONT); err != nil {
		t.Errorf("SignalTree: %v", err)
	}
	res := p.Stop()
	if res.Signal != syscall.SIGTERM || res.KilledExternally || len(res.Leftovers) != 2 || len(res.Survivors) > 0 {
		t.Errorf("result %v (killed externally %v, leftovers %d)", res, res.KilledExternally, len(res.Leftovers))
	}
	assertGone(t, r)
}

// The gexec names: Terminate (and Kill, Interrupt) signal the root and
// return the Process, so p.Terminate().Wait(d) reads as with gexec.
func TestTerminateThenWait(t *testing.T) {
	p := Start(t, fixtures.Command("sleeper"))
	<-p.Buffer().Detect("ready")
	p.Buffer().CancelDetects()
	res := p.Terminate().Wait(waittest.Scale(time.Minute))
	if res.Signal != syscall.SIGTERM || res.KilledExternally || res.TimedOut {
		t.Errorf("Terminate().Wait: %v", res)
	}
	p = Start(t, fixtures.Command("sleeper"))
	<-p.Buffer().Detect("ready")
	p.Buffer().CancelDetects()
	if res := p.Interrupt().Wait(waittest.Scale(time.Minute)); res.Signal != syscall.SIGINT || res.KilledExternally {
		t.Errorf("Interrupt().Wait: %v", res)
	}
}

// A root that exits with 137 by itself and one SIGKILL ends share the
// gexec-style ExitCode 137; ExitStatus and the Result tell them apart.
func TestExitCodeFoldsSignalsExitStatusDoesNot(t *testing.T) {
	exited := Start(t, fixtures.Command("exit", "137"))
	<-exited.Exited()
	killed := Start(t, fixtures.Command("sleeper"))
	<-killed.Buffer().Detect("ready")
	killed.Buffer().CancelDetects()
	<-killed.Kill().Exited()
	if exited.ExitCode() != 137 || killed.ExitCode() != 137 {
		t.Errorf("ExitCode() = %d and %d, want 137 both", exited.ExitCode(), killed.ExitCode())
	}
	if code, sig, _ := exited.ExitStatus(); code != 137 || sig != 0 {
		t.Errorf("exit 137: ExitStatus() = %d, %v", code, sig)
	}
	if code, sig, _ := killed.ExitStatus(); code != -1 || sig != syscall.SIGKILL {
		t.Errorf("SIGKILL: ExitStatus() = %d, %v", code, sig)
	}
	if r := exited.Stop(); r.ExitCode != 137 || r.Signal != 0 {
		t.Errorf("exit 137: result %v", r)
	}
	if r := killed.Stop(); r.ExitCode != -1 || r.Signal != syscall.SIGKILL || r.KilledExternally {
		t.Errorf("SIGKILL: result %v (killed externally %v)", r, r.KilledExternally)
	}
}

// TestSignalTreeBadSignalError: a number that names no signal is an
// error like every other of the library's, "sysprims:"-prefixed, and the
// tree lives on. Before, SignalTree(99) returned the container's bare
// "invalid argument" text.
func TestSignalTreeBadSignalError(t *testing.T) {
	p := Start(t, fixtures.Command("sleeper"))
	<-p.Buffer().Detect("ready")
	p.Buffer().CancelDetects()
	for _, sig := range []syscall.Signal{99, -3} {
		err := p.SignalTree(sig)
		if err == nil || !strings.HasPrefix(err.Error(), "sysprims: ") {
			t.Errorf("SignalTree(%d) = %v, want an error prefixed \"sysprims: \"", int(sig), err)
		}
	}
	if ms, err := p.Members(); err != nil || len(ms) == 0 {
		t.Errorf("members after the refused signals: %v, %v", ms, err)
	}
	p.Stop()
}
