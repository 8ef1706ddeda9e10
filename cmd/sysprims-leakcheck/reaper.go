package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// The hidden subcommands of the reaper probe: a child that starts a
// grandchild and exits at once, and the grandchild, which lives until its
// standard input closes.
const (
	probeChildCmd      = "__reaper-probe-child"
	probeGrandchildCmd = "__reaper-probe-grandchild"
)

// findReaper returns the pid the kernel reparents the caller's orphans
// to: pid 1 of its pid namespace, or the nearest ancestor that is a child
// subreaper (systemd --user, tini -s, a sysprims shim). No interface
// shows another process's subreaper flag, so it makes an orphan and
// looks: a child starts a grandchild and exits, and the grandchild's new
// parent is the answer. It returns the grandchild's identity too: it
// exits when findReaper returns, but may linger a moment. Windows does
// not reparent: the reaper is 0 there.
func findReaper() (int, proc.Identity, error) {
	if runtime.GOOS == "windows" {
		return 0, proc.Identity{}, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, proc.Identity{}, fmt.Errorf("reaper probe: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return 0, proc.Identity{}, fmt.Errorf("reaper probe: %w", err)
	}
	defer w.Close() // the grandchild's end of life
	cmd := exec.Command(exe, probeChildCmd)
	cmd.Stdin = r
	out, err := cmd.Output()
	r.Close()
	if err != nil {
		return 0, proc.Identity{}, fmt.Errorf("reaper probe: %w", err)
	}
	return orphanParent(string(out))
}

// orphanParent reads the probe child's output, the grandchild's pid, and
// returns the grandchild's parent now that the child has exited.
func orphanParent(out string) (int, proc.Identity, error) {
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		return 0, proc.Identity{}, fmt.Errorf("reaper probe: bad output %q", out)
	}
	g, err := proc.Get(pid, proc.Options{})
	if err != nil {
		return 0, proc.Identity{}, fmt.Errorf("reaper probe: %w", err)
	}
	if g.PPID <= 0 {
		return 0, g.ID(), errors.New("reaper probe: the orphan has no parent in this pid namespace")
	}
	return g.PPID, g.ID(), nil
}

// probeChild starts the grandchild on its own standard input, prints its
// pid and exits without waiting for it.
func probeChild(stdout io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		return exitUsage
	}
	g := exec.Command(exe, probeGrandchildCmd)
	g.Stdin = os.Stdin
	if err := g.Start(); err != nil {
		return exitUsage
	}
	fmt.Fprintln(stdout, g.Process.Pid)
	return exitOK
}

// probeGrandchild reads its standard input to the end.
func probeGrandchild() int {
	_, _ = io.Copy(io.Discard, os.Stdin)
	return exitOK
}
