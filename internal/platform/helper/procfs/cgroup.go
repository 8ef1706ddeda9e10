package procfs

import (
	"bytes"
	"strconv"
)

// CgroupV2Path returns the path of the first "0::" line of a
// /proc/PID/cgroup file (the cgroup v2 path, relative to the cgroup2
// mount), "" when it has none (a cgroup v1 only system).
func CgroupV2Path(b []byte) string {
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte("\n"))
		if p, ok := bytes.CutPrefix(line, []byte("0::")); ok {
			return string(p)
		}
		b = rest
	}
	return ""
}

// Populated reads the "populated" key of a cgroup.events file: whether
// the cgroup or one below it holds a process. ok is false when the key is
// missing.
func Populated(b []byte) (populated, ok bool) {
	v, ok := key(b, "populated")
	return ok && string(v) != "0", ok
}

// CPUStat reads user_usec and system_usec from a cgroup's cpu.stat file
// ("usage_usec N\nuser_usec N\nsystem_usec N\n..."); ok when both are
// there and non-negative.
func CPUStat(b []byte) (userUs, sysUs int64, ok bool) {
	u, uok := keyInt(b, "user_usec")
	s, sok := keyInt(b, "system_usec")
	return u, s, uok && sok
}

// Count reads a file that holds one unsigned number on its first line
// (memory.peak, pids.peak); false for anything else ("max", empty).
func Count(b []byte) (uint64, bool) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	n, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 10, 64)
	return n, err == nil
}

// keyInt is the non-negative decimal value of key in a flat keyed file.
func keyInt(b []byte, name string) (int64, bool) {
	v, ok := key(b, name)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil && n >= 0
}

// key returns the value of the first line "NAME VALUE" of a flat keyed
// cgroup file (cgroup.events, cpu.stat).
func key(b []byte, name string) ([]byte, bool) {
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte("\n"))
		if k, v, ok := bytes.Cut(line, []byte(" ")); ok && string(k) == name {
			return v, true
		}
		b = rest
	}
	return nil, false
}
