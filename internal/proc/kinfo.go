package proc

import (
	"bytes"
	"encoding/binary"
)

// This file holds the pure half of the macOS snapshot: plain values in,
// ProcessInfo out, so that it is tested on every system.

// kinfo is the part of a macOS kinfo_proc a snapshot uses.
type kinfo struct {
	PID, PPID, PGID int
	Stat            int8     // p_stat: SIDL 1, SRUN 2, SSLEEP 3, SSTOP 4, SZOMB 5
	Comm            [17]byte // p_comm, NUL-terminated
	StartSec        int64    // p_starttime
	StartUsec       int64
}

// darwinState maps p_stat. macOS reports blocked and idle processes as
// sleeping alike.
func darwinState(stat int8) State {
	switch stat {
	case 1, 2: // SIDL (being created), SRUN
		return StateRunning
	case 3:
		return StateSleeping
	case 4:
		return StateStopped
	case 5:
		return StateZombie
	}
	return StateUnknown
}

// info converts k. kern.proc carries neither resident memory nor the
// thread count, so both stay 0; sid comes from getsid by the caller.
func (k kinfo) info() ProcessInfo {
	name := k.Comm[:]
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	return ProcessInfo{
		PID:             k.PID,
		PPID:            k.PPID,
		PGID:            k.PGID,
		Name:            string(name),
		State:           darwinState(k.Stat),
		StartTimeUnixMs: k.StartSec*1000 + k.StartUsec/1000,
	}
}

// procArgs is the parsed kern.procargs2 buffer of a macOS process.
type procArgs struct {
	Exe  string
	Args []string
	Env  []string
}

// parseProcArgs2 parses kern.procargs2: a native-endian int32 argc, the
// executable path, NUL padding, argc NUL-terminated arguments, then the
// NUL-terminated environment up to an empty string.
func parseProcArgs2(b []byte) (procArgs, bool) {
	if len(b) < 4 {
		return procArgs{}, false
	}
	argc := int(int32(binary.NativeEndian.Uint32(b)))
	exe, rest, ok := cutNUL(b[4:])
	if !ok || argc < 0 {
		return procArgs{}, false
	}
	rest = bytes.TrimLeft(rest, "\x00")
	pa := procArgs{Exe: exe}
	for ; argc > 0 && len(rest) > 0; argc-- {
		var arg string
		arg, rest, _ = cutNUL(rest)
		pa.Args = append(pa.Args, arg)
	}
	for len(rest) > 0 && rest[0] != 0 {
		var kv string
		kv, rest, _ = cutNUL(rest)
		pa.Env = append(pa.Env, kv)
	}
	return pa, true
}

// cutNUL splits b at its first NUL.
func cutNUL(b []byte) (string, []byte, bool) {
	before, after, ok := bytes.Cut(b, []byte{0})
	return string(before), after, ok
}

// markersFromEnv picks the MarkerPrefix variables of a KEY=VALUE list.
func markersFromEnv(env []string) map[string]string {
	var block []byte
	for _, kv := range env {
		block = append(append(block, kv...), 0)
	}
	return parseMarkers(block)
}
