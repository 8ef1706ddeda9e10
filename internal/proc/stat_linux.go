package proc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// clockTicks is USER_HZ, the unit of the time fields of /proc/PID/stat.
// It is 100 on every Linux architecture Go supports.
const clockTicks = 100

// procStat is the part of one /proc/PID/stat line a snapshot uses.
type procStat struct {
	pid       int
	name      []byte // aliases the read buffer
	state     byte
	ppid      int64
	pgrp      int64
	session   int64
	flags     int64 // PF_* flags
	utime     int64 // clock ticks
	stime     int64 // clock ticks
	threads   int64
	starttime int64 // clock ticks since boot
	rss       int64 // pages
}

// pfKthread is the PF_KTHREAD bit of the flags field: a kernel thread.
const pfKthread = 0x00200000

// errStatFormat reports a /proc/PID/stat line that does not parse.
var errStatFormat = errors.New("sysprims: malformed /proc stat line")

// The 1-based field numbers of proc_pid_stat(5) that are kept.
const (
	fieldPPID      = 4
	fieldPGRP      = 5
	fieldSession   = 6
	fieldFlags     = 9
	fieldUtime     = 14
	fieldStime     = 15
	fieldThreads   = 20
	fieldStarttime = 22
	fieldRSS       = 24
)

// parseStat parses "pid (comm) state ppid pgrp session ...". The comm runs
// to the last ')' of the line, so names holding spaces or ')' parse.
//
//go:norace
func parseStat(b []byte, st *procStat) error {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 2 || end < open || len(b) < end+4 || b[end+1] != ' ' {
		return fmt.Errorf("%w: %.40q", errStatFormat, b)
	}
	pid, n := parseInt(b)
	if n != open-1 || b[n] != ' ' || pid < 1 || pid > maxPID {
		return fmt.Errorf("%w: bad pid in %.40q", errStatFormat, b)
	}
	st.pid, st.name, st.state = int(pid), b[open+1:end], b[end+2]
	return parseStatNumbers(b[end+3:], st)
}

// parseStatNumbers parses the numeric fields 4..24 that follow the state.
//
//go:norace
func parseStatNumbers(b []byte, st *procStat) error {
	for field := fieldPPID; field <= fieldRSS; field++ {
		if len(b) == 0 || b[0] != ' ' {
			return fmt.Errorf("%w: field %d missing", errStatFormat, field)
		}
		v, n := parseInt(b[1:])
		if n == 0 {
			return fmt.Errorf("%w: field %d not a number", errStatFormat, field)
		}
		b = b[1+n:]
		st.set(field, v)
	}
	return nil
}

// set stores the value of a kept field.
//
//go:norace
func (st *procStat) set(field int, v int64) {
	switch field {
	case fieldPPID:
		st.ppid = v
	case fieldPGRP:
		st.pgrp = v
	case fieldSession:
		st.session = v
	case fieldFlags:
		st.flags = v
	case fieldUtime:
		st.utime = v
	case fieldStime:
		st.stime = v
	case fieldThreads:
		st.threads = v
	case fieldStarttime:
		st.starttime = v
	case fieldRSS:
		st.rss = v
	}
}

// parseInt parses an optionally negative decimal at the start of b and
// returns it with the number of bytes used (0 if there is no number, or
// it does not fit in an int64).
//
//go:norace
func parseInt(b []byte) (int64, int) {
	i := 0
	if len(b) > 0 && b[0] == '-' {
		i = 1
	}
	start := i
	var v uint64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + uint64(b[i]-'0')
	}
	if i == start {
		return 0, 0
	}
	if i-start > 18 { // 18 digits cannot overflow
		return parseIntSlow(b)
	}
	if start == 1 {
		return -int64(v), i
	}
	return int64(v), i
}

// parseIntSlow is parseInt for numbers of 19 digits or more.
func parseIntSlow(b []byte) (int64, int) {
	n := 0
	if b[0] == '-' {
		n = 1
	}
	for n < len(b) && b[n]-'0' <= 9 {
		n++
	}
	v, err := strconv.ParseInt(string(b[:n]), 10, 64)
	if err != nil {
		return 0, 0
	}
	return v, n
}

// maxPID bounds the pids read from /proc: pid_t is an int32.
const maxPID = math.MaxInt32

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

// info converts st to a ProcessInfo. btimeMs is the boot time in unix ms.
//
//go:norace
func (st *procStat) info(btimeMs int64, pageKB uint64) ProcessInfo {
	return ProcessInfo{
		PID:             st.pid,
		PPID:            int(st.ppid),
		PGID:            int(st.pgrp),
		SID:             int(st.session),
		Name:            string(st.name),
		State:           linuxState(st.state),
		StartTimeUnixMs: btimeMs + st.starttime*1000/clockTicks,
		ThreadCount:     int(st.threads),
		MemoryKB:        uint64(max(st.rss, 0)) * pageKB,
		KernelThread:    st.flags&pfKthread != 0,
	}
}

// cpuPercent is the share of all CPUs the process used over its lifetime,
// 0..100, given the system uptime in ticks.
func (st *procStat) cpuPercent(uptimeTicks int64, ncpu int) float64 {
	const msPerTick = 1000 / clockTicks
	return lifetimeCPUPercent((st.utime+st.stime)*msPerTick, (uptimeTicks-st.starttime)*msPerTick, ncpu)
}
