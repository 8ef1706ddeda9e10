package platform

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform/helper"
	"golang.org/x/sys/unix"
)

// guardianAnswer bounds the wait for a new guardian's "ok".
const guardianAnswer = 10 * time.Second

// The run directory of this process, and the fd that holds its lock
// (LOCK_SH) for as long as this process lives: a sweep takes the run
// directory for stale only when nobody holds that lock.
var (
	runMu   sync.Mutex
	runDir  string
	runLock int
)

// guardian is one guardian process of the run directory. Its control
// socket is never closed here, so the guardian sees EOF exactly when this
// process is gone.
type guardian struct {
	cmd *exec.Cmd
	ctl *os.File
}

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
	dir, lock, err := makeRunDir(cgroupBase(caps))
	if err != nil {
		return "", err
	}
	g, err := startGuardian(dir)
	if err != nil {
		unix.Close(lock)
		removeCgroup(dir)
		return "", err
	}
	runDir, runLock = dir, lock
	keepFD(lock, true)
	keepFile(g.ctl, true)
	go reapGuardian(dir, g)
	return dir, nil
}

// makeRunDir makes a run directory under base, locks it, and makes its
// guardian leaf. A sweep judges only run directories with a guardian
// leaf, so this one is never judged before it is locked.
func makeRunDir(base string) (string, int, error) {
	dir := filepath.Join(base, fmt.Sprintf("%s%d-%s", owner.RunDirPrefix, os.Getpid(), randHex()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", -1, fmt.Errorf("sysprims: cgroup run directory: %w", err)
	}
	enableAccounting(dir)
	lock, err := helper.LockRunDir(dir, unix.LOCK_SH)
	if err == nil {
		err = os.Mkdir(filepath.Join(dir, helper.GuardianLeaf), 0o755)
	}
	if err != nil {
		if lock >= 0 {
			unix.Close(lock)
		}
		removeCgroup(dir)
		return "", -1, fmt.Errorf("sysprims: cgroup run directory: %w", err)
	}
	return dir, lock, nil
}

// startGuardian starts the helper as the guardian of dir, inside dir's
// guardian leaf, in its own session, with no environment but its marker,
// and waits for its "ok".
func startGuardian(dir string) (*guardian, error) {
	exe, err := helperPath()
	if err != nil {
		return nil, fmt.Errorf("sysprims: cgroup guardian: %w", err)
	}
	leaf, err := unix.Open(filepath.Join(dir, helper.GuardianLeaf), unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("sysprims: cgroup guardian: %w", err)
	}
	defer unix.Close(leaf)
	mine, theirs, err := ctlPair()
	if err != nil {
		return nil, fmt.Errorf("sysprims: cgroup guardian: %w", err)
	}
	cmd := exec.Command(exe, helper.ModeGuardian, dir)
	// The guardian outlives its caller by the moment it takes to clean up,
	// so it takes none of the caller's environment: no marker of a test or
	// tree may name it.
	cmd.Env = []string{owner.EnvGuardian + "=" + dir, helperGOMAXPROCS}
	cmd.ExtraFiles = []*os.File{theirs}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, UseCgroupFD: true, CgroupFD: leaf}
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		mine.Close()
		return nil, fmt.Errorf("sysprims: cgroup guardian: %w", err)
	}
	noteHelper(cmd.Process.Pid)
	g := &guardian{cmd: cmd, ctl: mine}
	if err := g.answer(); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		mine.Close()
		return nil, err
	}
	return g, nil
}

// answer reads the guardian's first line: "ok", or why it refused.
func (g *guardian) answer() error {
	g.ctl.SetReadDeadline(time.Now().Add(guardianAnswer))
	defer g.ctl.SetReadDeadline(time.Time{})
	line, err := bufio.NewReader(g.ctl).ReadString('\n')
	if line == "ok\n" {
		return nil
	}
	return fmt.Errorf("sysprims: cgroup guardian %d: %q %v", g.cmd.Process.Pid, strings.TrimSpace(line), err)
}

// ctlPair makes a control socket pair, both ends close-on-exec; the
// caller's end is non-blocking, so it takes read deadlines.
func ctlPair() (mine, theirs *os.File, err error) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.SetNonblock(pair[0], true); err != nil {
		unix.Close(pair[0])
		unix.Close(pair[1])
		return nil, nil, err
	}
	return os.NewFile(uintptr(pair[0]), "sysprims-ctl"), os.NewFile(uintptr(pair[1]), "sysprims-ctl"), nil
}

// reapGuardian waits for the guardian so it never lingers as a zombie,
// and when it dies while this process lives (someone killed it), says so
// on stderr and in [GuardianEvents] and starts a new one, so a later
// crash of this process still strands nothing. Its goroutine lives as
// long as this process; goroutine leak checks skip it by this function's
// name.
func reapGuardian(dir string, g *guardian) {
	for {
		_ = g.cmd.Wait()
		keepFile(g.ctl, false)
		g.ctl.Close()
		lost := fmt.Errorf("sysprims: cgroup guardian %d of %s died (%v) while its caller lived", g.cmd.Process.Pid, dir, g.cmd.ProcessState)
		ng, err := startGuardian(dir)
		if err != nil {
			noteGuardianEvent(fmt.Errorf("%w; not replaced, so a crash of this process would strand its trees: %w", lost, err))
			return
		}
		noteGuardianEvent(fmt.Errorf("%w; replaced by guardian %d", lost, ng.cmd.Process.Pid))
		keepFile(ng.ctl, true)
		g = ng
	}
}
