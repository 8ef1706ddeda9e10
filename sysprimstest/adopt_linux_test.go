package sysprimstest

import (
	"crypto/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"github.com/3leaps/sysprims-go/process"
)

// envDaemons runs TestLeaveDaemons in a child test binary; its value
// tags the sleeps it leaves.
const envDaemons = "SYSPRIMS_TEST_DAEMONS"

// daemonSleeps are the sleeps leaveDaemons leaves, each a different way,
// tagged so that the test can find them whatever happened: a plain child
// still running, a setsid daemon whose parent exited, and a daemon that
// also wiped its environment.
func daemonSleeps(tag string) []string {
	return []string{"300." + tag + "1", "300." + tag + "2", "300." + tag + "3"}
}

// leaveDaemons starts, through plain os/exec, what daemonSleeps names.
// The plain child also carries a subreaper shim's marker naming its
// parent, as a real shim's does: any process can, and it makes no
// helper of a process that runs no helper code.
func leaveDaemons(t testing.TB, tag string) {
	s := daemonSleeps(tag)
	plain := exec.Command("sleep", s[0])
	plain.Env = append(os.Environ(), "SYSPRIMS_SHIM="+strconv.Itoa(os.Getpid()))
	if err := plain.Start(); err != nil {
		t.Fatal(err)
	}
	for _, script := range []string{"setsid sleep " + s[1] + " & exit 0", "(env -i setsid sleep " + s[2] + " &)"} {
		if err := exec.Command("sh", "-c", script).Run(); err != nil {
			t.Fatal(err)
		}
	}
}

// newDaemonTag returns digits unique to this call, to follow "300." in a
// sleep's argument.
func newDaemonTag() string {
	var b [4]byte
	rand.Read(b[:])
	return strconv.FormatUint(uint64(b[0])<<24|uint64(b[1])<<16|uint64(b[2])<<8|uint64(b[3]), 10)
}

// daemonsAlive returns the live sleeps tagged tag, anywhere (they are
// found by their unique arguments, so a broken check cannot hide them),
// and a "setsid sleep" not yet through its exec.
func daemonsAlive(t testing.TB, tag string) []process.Info {
	t.Helper()
	snap, err := SnapshotWith(FieldCmdline)
	if err != nil {
		t.Fatal(err)
	}
	var out []process.Info
	for _, p := range alive(snap) {
		if n := len(p.Cmdline); n >= 2 && p.Cmdline[n-2] == "sleep" && strings.HasPrefix(p.Cmdline[n-1], "300."+tag) {
			out = append(out, p)
		}
	}
	return out
}

// killDaemons kills the tagged sleeps by identity and reaps those this
// process adopted; it reports how many it found alive.
func killDaemons(t testing.TB, tag string) int {
	t.Helper()
	left := daemonsAlive(t, tag)
	for _, p := range left {
		syscall.Kill(p.PID, syscall.SIGKILL)
	}
	for _, p := range left {
		waittest.Until(5*time.Second, func() bool { return platform.ReapAdopted(p.PID) || !stillRunning(p) })
	}
	return len(left)
}

// TestLeaveDaemons is the body of TestVerifyTestMainCatchesDaemons.
func TestLeaveDaemons(t *testing.T) {
	tag := os.Getenv(envDaemons)
	if tag == "" {
		t.Skip("runs only inside TestVerifyTestMainCatchesDaemons")
	}
	leaveDaemons(t, tag)
}

// TestVerifyTestMainCatchesDaemons runs a test binary (under
// VerifyTestMain) whose test leaves daemons started through plain
// os/exec: the binary must fail naming each, and they must be gone.
func TestVerifyTestMainCatchesDaemons(t *testing.T) {
	tag := newDaemonTag()
	defer killDaemons(t, tag)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeaveDaemons$", "-test.count=1")
	cmd.Env = append(os.Environ(), envDaemons+"="+tag)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want 1", err)
	}
	if !strings.Contains(string(out), "3 process(es) outlived the test binary") {
		t.Errorf("no leak report for three daemons:\n%s", out)
	}
	for _, s := range daemonSleeps(tag) {
		if !strings.Contains(string(out), "sleep "+s) {
			t.Errorf("sleep %s not named:\n%s", s, out)
		}
	}
	if n := killDaemons(t, tag); n > 0 {
		t.Errorf("%d daemon(s) outlived the test binary's check", n)
	}
}

// TestVerifyNoLeaksCatchesDaemons leaves the same daemons in a test
// under VerifyNoLeaks: the test fails naming each (left running: in a
// test's scope a process without markers may be a parallel test's).
func TestVerifyNoLeaksCatchesDaemons(t *testing.T) {
	tag := newDaemonTag()
	defer killDaemons(t, tag)
	rec := NewRecorder("TestDaemons")
	VerifyNoLeaks(rec)
	leaveDaemons(t, tag)
	errs := rec.Close()
	if !strings.Contains(errs, "3 process(es) outlived TestDaemons") {
		t.Errorf("no leak report for three daemons:\n%s", errs)
	}
	for _, s := range daemonSleeps(tag) {
		if !strings.Contains(errs, "sleep "+s) {
			t.Errorf("sleep %s not named:\n%s", s, errs)
		}
	}
	if n := killDaemons(t, tag); n != 3 {
		t.Errorf("%d daemons alive after the check, want 3 (named, left running)", n)
	}
}

// TestVerifyNoLeaksCatchesHelperImpostors leaves daemons that carry a
// sysprims helper's marker in their environment (any process can): a
// marker is no proof of being a helper, so each is named (before, both
// passed unseen and lived on).
func TestVerifyNoLeaksCatchesHelperImpostors(t *testing.T) {
	tag := newDaemonTag()
	defer killDaemons(t, tag)
	s := daemonSleeps(tag)
	rec := NewRecorder("TestImpostors")
	VerifyNoLeaks(rec)
	for _, script := range []string{"(SYSPRIMS_SHIM=1 setsid sleep " + s[0] + " &)", "(env -i SYSPRIMS_GUARDIAN=/x setsid sleep " + s[1] + " &)"} {
		if err := exec.Command("sh", "-c", script).Run(); err != nil {
			t.Fatal(err)
		}
	}
	// A child whose shim marker names its live parent (this process), as a
	// real shim's does: it runs no helper code, so it is no helper either.
	child := exec.Command("sleep", s[2])
	child.Env = append(os.Environ(), "SYSPRIMS_SHIM="+strconv.Itoa(os.Getpid()))
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	errs := rec.Close()
	for _, s := range s {
		if !strings.Contains(errs, "sleep "+s) {
			t.Errorf("sleep %s with a helper's marker not named:\n%s", s, errs)
		}
	}
	if strings.Contains(errs, "helper of a live run") {
		t.Errorf("an impostor taken for a live run's helper:\n%s", errs)
	}
}
