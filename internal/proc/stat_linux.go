package proc

import "github.com/3leaps/sysprims-go/internal/platform/helper/procfs"

// clockTicks is USER_HZ, the unit of the time fields of /proc/PID/stat.
// It is 100 on every Linux architecture Go supports.
const clockTicks = 100

// procStat is the part of one /proc/PID/stat line a snapshot uses,
// parsed by the one stat parser, [procfs.ParseStat].
type procStat = procfs.Stat

// pfKthread is the PF_KTHREAD bit of the flags field: a kernel thread.
const pfKthread = 0x00200000

// linuxState maps the state letter of /proc/PID/stat.
func linuxState(c byte) State {
	switch c {
	case 'R':
		return StateRunning
	case 'S':
		return StateSleeping
	case 'D':
		return StateDiskSleep
	case 'T':
		return StateStopped
	case 't':
		return StateTracing
	case 'Z':
		return StateZombie
	case 'X', 'x':
		return StateDead
	case 'I':
		return StateIdle
	}
	return StateUnknown
}

// statInfo converts st to a ProcessInfo. btimeMs is the boot time in
// unix ms.
//
//go:norace
func statInfo(st *procStat, btimeMs int64, pageKB uint64) ProcessInfo {
	return ProcessInfo{
		PID:             st.PID,
		PPID:            int(st.PPID),
		PGID:            int(st.PGRP),
		SID:             int(st.Session),
		Name:            string(st.Name),
		State:           linuxState(st.State),
		StartTimeUnixMs: btimeMs + st.Starttime*1000/clockTicks,
		ThreadCount:     int(st.Threads),
		MemoryKB:        uint64(max(st.RSS, 0)) * pageKB,
		KernelThread:    st.Flags&pfKthread != 0,
	}
}

// statCPUPercent is the share of all CPUs the process st used over its
// lifetime, 0..100, given the system uptime in ticks.
func statCPUPercent(st *procStat, uptimeTicks int64, ncpu int) float64 {
	const msPerTick = 1000 / clockTicks
	return lifetimeCPUPercent((st.Utime+st.Stime)*msPerTick, (uptimeTicks-st.Starttime)*msPerTick, ncpu)
}
