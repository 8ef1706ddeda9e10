package platform

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func newShim(t testing.TB) Container {
	t.Helper()
	return mustNew(t, Spec{Mechanism: MechanismSubreaper}, Guaranteed)
}

// dropEnvDaemon escapes with setsid, clears its environment (no markers)
// and its parent exits at once: only a subreaper or a cgroup holds it.
const dropEnvDaemon = `
sh -c 'setsid env -i /bin/sh -c "sleep 300 & echo \$!; echo \$\$; wait" &' 
sh -c 'sh -c "sleep 300 & echo \$!" &'
echo ready
wait
`

func TestShimKillAdversarialTree(t *testing.T) {
	c := newShim(t)
	tt := startScript(t, c, advScript, advPIDs)
	for pid := range tt.pids {
		if pid == c.PID() {
			t.Error("root pid reported as a member pid")
		}
	}
	assertHeld(t, c, tt)
	if ms, _ := c.Members(); !contains(ms, c.PID()) {
		t.Errorf("root %d missing from %v", c.PID(), ms)
	}
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	mustEmpty(t, c)
	st, err := c.Wait()
	if err != nil || st.Signal != syscall.SIGKILL {
		t.Fatalf("root: %+v %v", st, err)
	}
	tt.waitNoSurvivors(t, time.Second)
}

func TestShimHoldsOrphansOfAnExitedRoot(t *testing.T) {
	c := newShim(t)
	tt := startScript(t, c, dropEnvDaemon, 3)
	st, err := c.Wait()
	if err != nil || st.Code != 0 {
		t.Fatalf("root: %+v %v", st, err)
	}
	assertHeld(t, c, tt)
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	mustEmpty(t, c)
	tt.waitNoSurvivors(t, time.Second)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestShimPassesStdioAndExit(t *testing.T) {
	c := newShim(t)
	var out, errb bytes.Buffer
	cmd := exec.Command("sh", "-c", `read x; echo "got $x $FOO"; echo oops >&2; exit 7`)
	cmd.Stdin = strings.NewReader("hello\n")
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = []string{"FOO=bar", "PATH=/usr/bin:/bin"}
	if err := c.Start(cmd); err != nil {
		t.Fatal(err)
	}
	st, err := c.Wait()
	if err != nil || st.Code != 7 {
		t.Fatalf("exit %+v %v", st, err)
	}
	if got := out.String(); got != "got hello bar\n" {
		t.Errorf("stdout %q", got)
	}
	if got := errb.String(); got != "oops\n" {
		t.Errorf("stderr %q", got)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestShimStartErrors(t *testing.T) {
	c := newShim(t)
	err := c.Start(exec.Command("/nonexistent/binary"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing binary: %v", err)
	}
	c = newShim(t)
	if err := c.Start(exec.Command("no-such-command-xyz")); !errors.Is(err, exec.ErrNotFound) {
		t.Fatalf("lookup: %v", err)
	}
	c = newShim(t)
	plain := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(exec.Command(plain)); !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("not executable: %v", err)
	}
	// The shim started but its exec of the root failed (as under fork
	// EAGAIN): the start error comes back, and the container closes
	// quietly (it once panicked on a wait it never set up).
	c = newShim(t)
	garbage := filepath.Join(t.TempDir(), "garbage")
	if err := os.WriteFile(garbage, []byte("\x00\x01 not a program\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(exec.Command(garbage)); !errors.Is(err, syscall.ENOEXEC) {
		t.Fatalf("not a program: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close after a failed start: %v", err)
	}
}

// TestShimKilledIsLost: a root that kills the shim leaves the container
// lost, and says so: best_effort, no members, and a Wait that returns
// when the root exits (status unknown), not when the shim died.
func TestShimKilledIsLost(t *testing.T) {
	c := newShim(t)
	cmd := exec.Command("sh", "-c", `read x; kill -9 $PPID; echo killed; exec sleep 300 >/dev/null 2>&1`)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(cmd); err != nil {
		t.Fatal(err)
	}
	root := c.PID()
	t.Cleanup(func() { syscall.Kill(root, syscall.SIGKILL); c.Close() })
	b := c.(Breakable)
	if why := b.Lost(); why != "" || c.Reliability() != Guaranteed {
		t.Fatalf("before the kill: lost %q, %s", why, c.Reliability())
	}
	waited := make(chan error, 1)
	go func() {
		st, err := c.Wait()
		if err == nil && (st.Code != -1 || st.Signal != 0) {
			err = fmt.Errorf("status %+v, want unknown (-1, no signal)", st)
		}
		waited <- err
	}()
	if _, err := io.WriteString(in, "go\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "killed\n" {
		t.Fatalf("root said %q, %v", line, err)
	}
	mustEmpty(t, c) // the shim is gone: dying, it may still hold the root a moment
	if ms, err := c.Members(); len(ms) > 0 || err != nil {
		t.Errorf("members %v, %v: a lost container holds no one", ms, err)
	}
	if why := b.Lost(); !strings.Contains(why, "subreaper shim") || c.Reliability() != BestEffort {
		t.Errorf("lost %q, %s: want the shim's death and best_effort", why, c.Reliability())
	}
	select {
	case err := <-waited:
		t.Fatalf("Wait returned (%v) while the root runs", err)
	default:
	}
	if err := syscall.Kill(root, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Error(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestShimKilledAtStartIsLost: a root that kills the shim at once may do
// so before the shim named it. Either way the loss is told: Start fails
// with ErrLost, or the started container reports itself lost.
func TestShimKilledAtStartIsLost(t *testing.T) {
	c := newShim(t)
	tt := &testTree{c: c, tag: newTag()}
	cmd := exec.Command("sh", "-c", `kill -9 $PPID; exec sleep 300`)
	cmd.Env = append(os.Environ(), "SYSPRIMS_PTEST="+tt.tag)
	t.Cleanup(func() {
		c.Close()
		for _, pid := range tt.survivors() {
			syscall.Kill(pid, syscall.SIGKILL) // the root: no container holds it
		}
	})
	if err := c.Start(cmd); err != nil {
		if !errors.Is(err, ErrLost) {
			t.Fatalf("start: %v, want ErrLost", err)
		}
		return
	}
	mustEmpty(t, c)
	if ms, _ := c.Members(); len(ms) > 0 {
		t.Errorf("members %v of a container whose shim was killed", ms)
	}
	if why := c.(Breakable).Lost(); why == "" || c.Reliability() != BestEffort {
		t.Errorf("lost %q, %s: want the loss told", why, c.Reliability())
	}
}
