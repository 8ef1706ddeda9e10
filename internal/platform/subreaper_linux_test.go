//go:build linux

package platform

import (
	"bytes"
	"errors"
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
	c, err := New(Spec{Mechanism: MechanismSubreaper, Require: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Mechanism() != MechanismSubreaper || c.Reliability() != Guaranteed {
		t.Fatalf("got %s/%s", c.Mechanism(), c.Reliability())
	}
	return c
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
	ms, _ := c.Members()
	for pid := range tt.pids {
		if !contains(ms, pid) {
			t.Errorf("member %d missing from %v", pid, ms)
		}
	}
	if !contains(ms, c.PID()) {
		t.Errorf("root %d missing from %v", c.PID(), ms)
	}
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := ctxFor(5 * time.Second)
	defer cancel()
	if err := c.WaitEmpty(ctx); err != nil {
		t.Fatal(err)
	}
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
	ms, _ := c.Members()
	for pid := range tt.pids {
		if !contains(ms, pid) {
			t.Errorf("orphan %d not held: members %v", pid, ms)
		}
	}
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := ctxFor(5 * time.Second)
	defer cancel()
	if err := c.WaitEmpty(ctx); err != nil {
		t.Fatal(err)
	}
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
}
