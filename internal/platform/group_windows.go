package platform

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// groupContainer is the Windows fallback when no Job Object can hold the
// tree: the root leads a new process group and members are found by
// following parent links in Toolhelp32 process snapshots. It is
// best_effort: a process whose parent has exited loses its link to the
// tree and escapes, and a process started between a snapshot and the kill
// survives it.
type groupContainer struct {
	winRoot
	once sync.Once
}

// Mechanism is [MechanismProcessGroup].
func (c *groupContainer) Mechanism() Mechanism { return MechanismProcessGroup }

// Reliability is [BestEffort].
func (c *groupContainer) Reliability() Reliability { return BestEffort }

// Start starts cmd as the leader of a new process group.
func (c *groupContainer) Start(cmd *exec.Cmd) error {
	if c.cmd != nil {
		panic("sysprims: Container.Start called twice")
	}
	addCreationFlags(cmd, windows.CREATE_NEW_PROCESS_GROUP)
	if err := cmd.Start(); err != nil {
		return err
	}
	c.started(cmd)
	h, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(c.pid))
	if err == nil {
		c.proc = h
	}
	return nil
}

// Usage is the root's own CPU time once it was waited for (Windows adds
// no descendant's); peak memory and peak processes unmeasured. See
// [Accountant].
func (c *groupContainer) Usage() Usage { return c.acct.get() }

// Signal maps sig as the job container does (see [jobContainer.Signal]).
func (c *groupContainer) Signal(sig syscall.Signal) error {
	return signalTree(sig, c.pid, c.rootAlive(), c.Kill)
}

// Kill terminates the root and every descendant a snapshot links to it.
func (c *groupContainer) Kill() error {
	pids, err := c.Members()
	if err != nil {
		return err
	}
	c.killed.Store(true)
	var errs []error
	for _, pid := range pids {
		errs = append(errs, terminatePID(pid))
	}
	return errors.Join(errs...)
}

// Members lists the root (while alive) and its descendants by parent links.
func (c *groupContainer) Members() ([]int, error) {
	links, err := parentLinks()
	if err != nil {
		return nil, err
	}
	return descendantsOf(links, c.pid, c.rootAlive()), nil
}

// WaitEmpty polls Members until none is left or ctx is done.
func (c *groupContainer) WaitEmpty(ctx context.Context) error {
	return pollEmpty(ctx, func() (int, error) {
		pids, err := c.Members()
		return len(pids), err
	})
}

// Close kills what is left and releases the root's handle.
func (c *groupContainer) Close() error {
	var err error
	c.once.Do(func() {
		if c.cmd != nil {
			err = c.Kill()
		}
		c.finish()
		if c.proc != 0 {
			windows.CloseHandle(c.proc)
		}
	})
	return err
}

// parentLinks maps every live pid to its parent pid (Toolhelp32).
func parentLinks() (map[int]int, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, fmt.Errorf("sysprims: process snapshot: %w", err)
	}
	defer windows.CloseHandle(snap)
	links := map[int]int{}
	pe := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		links[int(pe.ProcessID)] = int(pe.ParentProcessID)
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil, fmt.Errorf("sysprims: process snapshot: %w", err)
	}
	return links, nil
}

// descendantsOf returns root (when rootAlive) and every pid whose parent
// chain leads to root.
func descendantsOf(links map[int]int, root int, rootAlive bool) []int {
	children := map[int][]int{}
	for pid, ppid := range links {
		if pid != ppid {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []int
	if rootAlive {
		out = append(out, root)
	}
	queue := append([]int(nil), children[root]...)
	for len(queue) > 0 {
		pid := queue[0]
		queue = append(queue[1:], children[pid]...)
		out = append(out, pid)
	}
	return out
}

// terminatePID kills one process; one that is already gone is not an error.
func terminatePID(pid int) error {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return nil // gone, or not ours to kill
	}
	defer windows.CloseHandle(h)
	if err := windows.TerminateProcess(h, killExitCode); err != nil && !errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return fmt.Errorf("sysprims: terminate %d: %w", pid, err)
	}
	return nil
}
