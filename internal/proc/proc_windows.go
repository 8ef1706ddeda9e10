package proc

import (
	"errors"
	"fmt"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Snapshot returns every process of the system, sorted by pid, with the
// default fields and the extra ones opts.Fields asks for. On Windows it
// walks a Toolhelp32 snapshot; start time, cpu and memory need
// OpenProcess and stay 0 for processes the caller may not open. cmdline
// and markers live in the other process's memory and are not gathered.
// Windows keeps the parent pid of an orphan after that pid is reused; a
// parent that started after its child is no parent, and ppid is 0 then.
func Snapshot(opts Options) ([]ProcessInfo, error) {
	entries, err := toolhelpEntries()
	if err != nil {
		return nil, err
	}
	out := make([]ProcessInfo, 0, len(entries))
	for _, e := range entries {
		p := e.info()
		enrichWindows(&p, opts.Fields)
		out = append(out, p)
	}
	sortByPID(out)
	dropStaleParents(out)
	return out, nil
}

// toolhelpEntries lists the processes of a TH32CS_SNAPPROCESS snapshot.
func toolhelpEntries() ([]toolhelpEntry, error) {
	h, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, fmt.Errorf("sysprims: CreateToolhelp32Snapshot: %w", err)
	}
	defer windows.CloseHandle(h)
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	var out []toolhelpEntry
	for err = windows.Process32First(h, &e); err == nil; err = windows.Process32Next(h, &e) {
		exe := make([]uint16, len(e.ExeFile))
		copy(exe, e.ExeFile[:])
		out = append(out, toolhelpEntry{PID: e.ProcessID, PPID: e.ParentProcessID, Threads: e.Threads, ExeFile: exe})
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil, fmt.Errorf("sysprims: Process32Next: %w", err)
	}
	return out, nil
}

// enrichWindows adds what needs a process handle: start time, memory and
// the requested extra fields. A process that cannot be opened keeps zeros.
func enrichWindows(p *ProcessInfo, fields Field) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(p.PID))
	if err != nil {
		return
	}
	defer windows.CloseHandle(h)
	cpuMs := processTimes(h, p)
	p.MemoryKB = workingSetKB(h)
	if fields.Has(FieldCPU) {
		life := time.Now().UnixMilli() - p.StartTimeUnixMs
		p.CPUPercent = lifetimeCPUPercent(cpuMs, life, runtime.NumCPU())
	}
	if fields.Has(FieldExe) {
		p.ExePath = imageName(h)
	}
	if fields.Has(FieldUser) {
		p.User = tokenUser(h)
	}
}

// processTimes sets the start time of p and returns its cpu time in ms.
func processTimes(h windows.Handle, p *ProcessInfo) int64 {
	var created, exited, kernel, user windows.Filetime
	if windows.GetProcessTimes(h, &created, &exited, &kernel, &user) != nil {
		return 0
	}
	p.StartTimeUnixMs = filetimeUnixMs(created.HighDateTime, created.LowDateTime)
	return filetimeDurationMs(kernel.HighDateTime, kernel.LowDateTime) +
		filetimeDurationMs(user.HighDateTime, user.LowDateTime)
}

// processMemoryCounters is PROCESS_MEMORY_COUNTERS of psapi.h.
type processMemoryCounters struct {
	CB                         uint32
	PageFaultCount             uint32
	PeakWorkingSetSize         uintptr
	WorkingSetSize             uintptr
	QuotaPeakPagedPoolUsage    uintptr
	QuotaPagedPoolUsage        uintptr
	QuotaPeakNonPagedPoolUsage uintptr
	QuotaNonPagedPoolUsage     uintptr
	PagefileUsage              uintptr
	PeakPagefileUsage          uintptr
}

// procGetProcessMemoryInfo is kernel32's K32GetProcessMemoryInfo, which
// golang.org/x/sys/windows does not wrap.
var procGetProcessMemoryInfo = windows.NewLazySystemDLL("kernel32.dll").NewProc("K32GetProcessMemoryInfo")

// workingSetKB returns the working set (resident memory) of h in KiB.
func workingSetKB(h windows.Handle) uint64 {
	if procGetProcessMemoryInfo.Find() != nil {
		return 0
	}
	var mc processMemoryCounters
	mc.CB = uint32(unsafe.Sizeof(mc))
	r, _, _ := procGetProcessMemoryInfo.Call(uintptr(h), uintptr(unsafe.Pointer(&mc)), uintptr(mc.CB))
	if r == 0 {
		return 0
	}
	return uint64(mc.WorkingSetSize) / 1024
}

// imageName returns the full path of the executable of h.
func imageName(h windows.Handle) string {
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if windows.QueryFullProcessImageName(h, 0, &buf[0], &n) != nil {
		return ""
	}
	return windows.UTF16ToString(buf[:n])
}

// tokenUser returns "DOMAIN\user" of the token of h, or "".
func tokenUser(h windows.Handle) string {
	var tok windows.Token
	if windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok) != nil {
		return ""
	}
	defer tok.Close()
	tu, err := tok.GetTokenUser()
	if err != nil {
		return ""
	}
	account, domain, _, err := tu.User.Sid.LookupAccount("")
	if err != nil {
		return tu.User.Sid.String()
	}
	return domain + `\` + account
}

// Get returns the process pid from a Toolhelp32 snapshot. The error wraps
// [ErrNotFound] when there is no such process.
func Get(pid int, opts Options) (ProcessInfo, error) {
	entries, err := toolhelpEntries()
	if err != nil {
		return ProcessInfo{}, err
	}
	for _, e := range entries {
		if int(e.PID) == pid {
			p := e.info()
			enrichWindows(&p, opts.Fields)
			return p, nil
		}
	}
	return ProcessInfo{}, processErr(pid, ErrNotFound)
}
