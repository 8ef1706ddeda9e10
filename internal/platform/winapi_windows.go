package platform

import (
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// basicAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, which
// golang.org/x/sys/windows does not define.
type basicAccounting struct {
	TotalUserTime             int64
	TotalKernelTime           int64
	ThisPeriodTotalUserTime   int64
	ThisPeriodTotalKernelTime int64
	TotalPageFaultCount       uint32
	TotalProcesses            uint32
	ActiveProcesses           uint32
	TotalTerminatedProcesses  uint32
}

// jobAccounting returns job's basic accounting.
func jobAccounting(job windows.Handle) (basicAccounting, error) {
	var info basicAccounting
	err := windows.QueryInformationJobObject(job, windows.JobObjectBasicAccountingInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil)
	if err != nil {
		return info, fmt.Errorf("sysprims: query job accounting: %w", err)
	}
	return info, nil
}

// jobActive returns the number of live processes in job.
func jobActive(job windows.Handle) (int, error) {
	info, err := jobAccounting(job)
	return int(info.ActiveProcesses), err
}

// jobPIDs returns the pids of the live processes in job
// (JOBOBJECT_BASIC_PROCESS_ID_LIST), growing the buffer until they fit.
func jobPIDs(job windows.Handle) ([]int, error) {
	for n := 64; ; n *= 4 {
		pids, assigned, err := queryPIDs(job, n)
		if err != nil && !errors.Is(err, windows.ERROR_MORE_DATA) {
			return nil, fmt.Errorf("sysprims: query job process list: %w", err)
		}
		if err == nil && assigned <= len(pids) {
			return pids, nil
		}
	}
}

// queryPIDs asks for at most n pids; it returns them and how many
// processes the job holds.
func queryPIDs(job windows.Handle, n int) ([]int, int, error) {
	// Two uint32 counts, then n ULONG_PTR pids.
	buf := make([]uintptr, 1+n)
	size := uint32(len(buf)) * uint32(unsafe.Sizeof(buf[0]))
	err := windows.QueryInformationJobObject(job, windows.JobObjectBasicProcessIdList,
		uintptr(unsafe.Pointer(&buf[0])), size, nil)
	counts := (*[2]uint32)(unsafe.Pointer(&buf[0]))
	assigned, listed := int(counts[0]), int(counts[1])
	pids := make([]int, 0, listed)
	for _, p := range buf[1 : 1+min(listed, n)] {
		pids = append(pids, int(p))
	}
	return pids, assigned, err
}

// resumeProcess resumes every thread of the suspended process pid, found
// with a Toolhelp32 thread snapshot.
func resumeProcess(pid int) error {
	tids, err := threadsOf(pid)
	if err != nil {
		return err
	}
	if len(tids) == 0 {
		return fmt.Errorf("sysprims: resume process %d: no threads found", pid)
	}
	for _, tid := range tids {
		if err := resumeThread(tid); err != nil {
			return fmt.Errorf("sysprims: resume process %d: %w", pid, err)
		}
	}
	return nil
}

// threadsOf lists the thread ids owned by pid.
func threadsOf(pid int) ([]uint32, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return nil, fmt.Errorf("sysprims: thread snapshot: %w", err)
	}
	defer windows.CloseHandle(snap)
	var tids []uint32
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID == uint32(pid) {
			tids = append(tids, te.ThreadID)
		}
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil, fmt.Errorf("sysprims: thread snapshot: %w", err)
	}
	return tids, nil
}

// resumeThread resumes one thread until its suspend count is zero.
func resumeThread(tid uint32) error {
	h, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, tid)
	if err != nil {
		return fmt.Errorf("open thread %d: %w", tid, err)
	}
	defer windows.CloseHandle(h)
	for {
		prev, err := windows.ResumeThread(h)
		if err != nil {
			return fmt.Errorf("resume thread %d: %w", tid, err)
		}
		if prev <= 1 {
			return nil
		}
	}
}

// sigCONT is SIGCONT's number on Linux, which the syscall package does
// not define for Windows; the engine sends it after terminating signals.
const sigCONT = syscall.Signal(18)

// signalTree maps a POSIX signal onto what Windows offers for a tree whose
// root leads process group pid. Terminating signals send CTRL_BREAK_EVENT
// to the group while the root lives and the caller shares its console;
// when that is not possible (no shared console, the usual case in CI, or
// the root is gone) the tree is killed instead. The root must be alive:
// CTRL_BREAK_EVENT to a pid that leads no group reaches every process on
// the caller's console, the caller included.
func signalTree(sig syscall.Signal, pid int, rootAlive bool, kill func() error) error {
	switch sig {
	case 0, sigCONT: // nothing to continue: Windows processes are not stopped by signals
		return nil
	case syscall.SIGKILL:
		return kill()
	case syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP:
		if rootAlive && pid > 0 && windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(pid)) == nil {
			return nil
		}
		return kill()
	}
	return fmt.Errorf("sysprims: signal %d: %w", int(sig), errors.ErrUnsupported)
}

// alive reports whether the process behind h has not exited.
func alive(h windows.Handle) bool {
	ev, err := windows.WaitForSingleObject(h, 0)
	return err == nil && ev == uint32(windows.WAIT_TIMEOUT)
}
