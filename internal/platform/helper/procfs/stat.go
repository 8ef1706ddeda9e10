package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Stat is the part of one /proc/PID/stat line that is kept.
type Stat struct {
	PID       int
	Name      []byte // aliases the parsed line
	State     byte
	PPID      int64
	PGRP      int64
	Session   int64
	Flags     int64 // PF_* flags
	Utime     int64 // clock ticks
	Stime     int64 // clock ticks
	Threads   int64
	Starttime int64  // clock ticks since boot
	RSS       int64  // pages
	rest      []byte // what follows field FieldRSS, for [Stat.Field]
}

// ErrStatFormat reports a /proc/PID/stat line that does not parse.
var ErrStatFormat = errors.New("sysprims: malformed /proc stat line")

// The 1-based field numbers of proc_pid_stat(5) that are kept, and
// FieldEndCode, which [Stat.Field] reads on demand.
const (
	FieldPPID      = 4
	FieldPGRP      = 5
	FieldSession   = 6
	FieldFlags     = 9
	FieldUtime     = 14
	FieldStime     = 15
	FieldThreads   = 20
	FieldStarttime = 22
	FieldRSS       = 24
	FieldEndCode   = 27
)

// MaxPID bounds the pids read from /proc: pid_t is an int32.
const MaxPID = math.MaxInt32

// ParseStat parses "pid (comm) state ppid pgrp session ..." up to field
// [FieldRSS]. The comm runs to the last ')' of the line, so names holding
// spaces or ')' parse. An error wraps [ErrStatFormat].
//
//go:norace
func ParseStat(b []byte, st *Stat) error {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 2 || end < open || len(b) < end+4 || b[end+1] != ' ' {
		return fmt.Errorf("%w: %q", ErrStatFormat, head(b))
	}
	pid, n := ParseInt(b)
	if n != open-1 || b[n] != ' ' || pid < 1 || pid > MaxPID {
		return fmt.Errorf("%w: bad pid in %q", ErrStatFormat, head(b))
	}
	st.PID, st.Name, st.State = int(pid), b[open+1:end], b[end+2]
	return parseStatNumbers(b[end+3:], st)
}

// head is the start of a line for an error message, copied so that the
// caller's buffer does not escape to the heap.
func head(b []byte) string { return string(b[:min(len(b), 40)]) }

// parseStatNumbers parses the numeric fields 4..24 that follow the state.
//
//go:norace
func parseStatNumbers(b []byte, st *Stat) error {
	for field := FieldPPID; field <= FieldRSS; field++ {
		v, rest, ok := nextField(b)
		if !ok {
			return fmt.Errorf("%w: field %d missing or not a number", ErrStatFormat, field)
		}
		b = rest
		st.set(field, v)
	}
	st.rest = b
	return nil
}

// nextField parses the field at the start of b, a blank and a decimal,
// and returns it with what follows.
//
//go:norace
func nextField(b []byte) (int64, []byte, bool) {
	if len(b) == 0 || b[0] != ' ' {
		return 0, b, false
	}
	v, n := ParseInt(b[1:])
	return v, b[1+n:], n > 0
}

// set stores the value of a kept field.
//
//go:norace
func (st *Stat) set(field int, v int64) {
	switch field {
	case FieldPPID:
		st.PPID = v
	case FieldPGRP:
		st.PGRP = v
	case FieldSession:
		st.Session = v
	case FieldFlags:
		st.Flags = v
	case FieldUtime:
		st.Utime = v
	case FieldStime:
		st.Stime = v
	case FieldThreads:
		st.Threads = v
	case FieldStarttime:
		st.Starttime = v
	case FieldRSS:
		st.RSS = v
	}
}

// Field returns numeric field n (1-based, after [FieldRSS]) of the line
// st was parsed from, read on demand so the common parse stops at RSS;
// false when the line has no such field (an older kernel), when it, or
// one before it, is not a decimal, or when it does not fit an int64. The
// fields before it are skipped whatever their size: most are unsigned
// longs, and rsslim (field 25) is 18446744073709551615 when unlimited.
func (st *Stat) Field(n int) (int64, bool) {
	if n <= FieldRSS {
		return 0, false
	}
	b := st.rest
	for field := FieldRSS + 1; field < n; field++ {
		var ok bool
		if b, ok = skipField(b); !ok {
			return 0, false
		}
	}
	v, rest, ok := nextField(b)
	if !ok || len(rest) > 0 && rest[0] != ' ' && rest[0] != '\n' {
		return 0, false
	}
	return v, true
}

// skipField returns what follows the field at the start of b, a blank
// and a decimal of any length (the next field checks what follows it).
//
//go:norace
func skipField(b []byte) ([]byte, bool) {
	if len(b) == 0 || b[0] != ' ' {
		return b, false
	}
	b = b[1:]
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	return b[n:], n > 0
}

// ParseInt parses an optionally negative decimal at the start of b and
// returns it with the number of bytes used (0 if there is no number, or
// it does not fit in an int64).
//
//go:norace
func ParseInt(b []byte) (int64, int) {
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

// parseIntSlow is ParseInt for numbers of 19 digits or more.
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
