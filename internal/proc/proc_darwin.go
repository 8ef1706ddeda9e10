package proc

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Snapshot returns every process of the system, sorted by pid, with the
// default fields and the extra ones opts.Fields asks for. On macOS it reads
// sysctl kern.proc.all: memory_kb and thread_count are not available there
// and stay 0, and cpu_percent is not computed.
func Snapshot(opts Options) ([]ProcessInfo, error) {
	ks, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return nil, fmt.Errorf("sysprims: sysctl kern.proc.all: %w", err)
	}
	users := newUserCache(passwdPath(""), true)
	out := make([]ProcessInfo, 0, len(ks))
	for i := range ks {
		out = append(out, darwinInfo(&ks[i], opts.Fields, users))
	}
	sortByPID(out)
	return out, nil
}

// Get returns the process pid from sysctl kern.proc.pid. The error wraps
// [ErrNotFound] when there is no such process.
func Get(pid int, opts Options) (ProcessInfo, error) {
	if pid <= 0 {
		return ProcessInfo{}, processErr(pid, ErrNotFound)
	}
	ks, err := unix.SysctlKinfoProcSlice("kern.proc.pid", pid)
	if err != nil && !errors.Is(err, unix.ESRCH) {
		return ProcessInfo{}, fmt.Errorf("sysprims: sysctl kern.proc.pid %d: %w", pid, err)
	}
	if len(ks) == 0 || ks[0].Proc.P_pid != int32(pid) {
		return ProcessInfo{}, processErr(pid, ErrNotFound)
	}
	return darwinInfo(&ks[0], opts.Fields, newUserCache(passwdPath(""), true)), nil
}

// darwinInfo converts one kinfo_proc and gathers the extra fields.
func darwinInfo(k *unix.KinfoProc, fields Field, users *userCache) ProcessInfo {
	p := kinfo{
		PID: int(k.Proc.P_pid), PPID: int(k.Eproc.Ppid), PGID: int(k.Eproc.Pgid),
		Stat: k.Proc.P_stat, Comm: k.Proc.P_comm,
		StartSec: int64(k.Proc.P_starttime.Sec), StartUsec: int64(k.Proc.P_starttime.Usec),
	}.info()
	if sid, err := unix.Getsid(p.PID); err == nil {
		p.SID = sid
	}
	if fields.Has(FieldUser) {
		p.UID = int(k.Eproc.Ucred.Uid)
		p.User = users.name(p.UID)
	}
	if fields&(FieldCmdline|FieldExe|FieldMarkers) != 0 {
		darwinArgs(&p, fields)
	}
	return p
}

// darwinArgs fills cmdline, exe path and markers from kern.procargs2,
// readable for the caller's own processes (and all of them as root).
func darwinArgs(p *ProcessInfo, fields Field) {
	b, err := unix.SysctlRaw("kern.procargs2", p.PID)
	if err != nil {
		return
	}
	pa, ok := parseProcArgs2(b)
	if !ok {
		return
	}
	if fields.Has(FieldCmdline) {
		p.Cmdline = pa.Args
	}
	if fields.Has(FieldExe) {
		p.ExePath = pa.Exe
	}
	if fields.Has(FieldMarkers) {
		p.Markers = markersFromEnv(pa.Env)
	}
}
