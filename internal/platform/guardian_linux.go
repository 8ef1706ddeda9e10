//go:build linux

package platform

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	ossignal "os/signal"
	"path/filepath"
	"sync"
	"syscall"
)

// The run directory of this process and the pipe that keeps its guardian
// waiting; the write end is never closed, so the guardian sees EOF exactly
// when this process is gone.
var (
	runMu     sync.Mutex
	runDir    string
	guardPipe *os.File
	guardProc *os.Process
)

// ensureRunDir makes this process's run directory and starts its
// guardian, once.
func ensureRunDir() (string, error) {
	runMu.Lock()
	defer runMu.Unlock()
	if runDir != "" {
		return runDir, nil
	}
	caps := Probe()
	if !caps.CgroupWritable {
		return "", fmt.Errorf("sysprims: cgroup_v2: %w", ErrUnavailable)
	}
	dir := filepath.Join(cgroupBase(caps), fmt.Sprintf("%s%d-%s", runDirPrefix, os.Getpid(), randHex()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", fmt.Errorf("sysprims: cgroup run directory: %w", err)
	}
	if err := startGuardian(dir); err != nil {
		removeCgroup(dir)
		return "", err
	}
	runDir = dir
	return dir, nil
}

// startGuardian starts this executable as the guardian of dir, in its own
// session, reading a pipe this process holds.
func startGuardian(dir string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("sysprims: cgroup guardian: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("sysprims: cgroup guardian: %w", err)
	}
	cmd := exec.Command(exe, "sysprims-guardian")
	// The guardian outlives its caller by the moment it takes to clean up,
	// so it takes none of the caller's environment: no marker of a test or
	// tree may name it.
	cmd.Env = []string{envGuardian + "=" + dir}
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		return fmt.Errorf("sysprims: cgroup guardian: %w", err)
	}
	guardPipe, guardProc = w, cmd.Process
	go reapGuardian(cmd)
	return nil
}

// reapGuardian waits for the guardian so it never lingers as a zombie. Its
// goroutine lives as long as the guardian, normally as long as this
// process; goroutine leak checks skip it by this function's name.
func reapGuardian(cmd *exec.Cmd) { _ = cmd.Wait() }

// runGuardian is the guardian's main: it waits for EOF on stdin (its
// caller is gone) or a terminating signal, then kills and removes every
// leaf of dir.
func runGuardian(dir string) int {
	sigs := make(chan os.Signal, 1)
	ossignal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(eof)
	}()
	select {
	case <-eof:
	case <-sigs:
	}
	if err := cleanRunDir(dir); err != nil {
		return 1
	}
	return 0
}
