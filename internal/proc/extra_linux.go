package proc

import (
	"bytes"
	"math"

	"golang.org/x/sys/unix"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
)

// extras fills the optional fields of p asked for in s.fields. They are
// best effort: a process that exits or hides a file between reads keeps
// its default fields and misses the extra ones.
func (s *scan) extras(p *ProcessInfo, st *procStat) {
	if s.fields.Has(FieldCPU) {
		p.CPUPercent = statCPUPercent(st, s.uptimeTicks, s.ncpu)
	}
	if s.fields.Has(FieldCmdline) {
		p.Cmdline = s.cmdline(p.PID)
	}
	if s.fields.Has(FieldExe) {
		p.ExePath = s.exe(p.PID)
	}
	if s.fields.Has(FieldUser) {
		s.user(p)
	}
	if s.fields.Has(FieldMarkers) {
		p.Markers = s.markers(p.PID)
	}
}

// cmdline reads the argument vector of /proc/PID/cmdline.
func (s *scan) cmdline(pid int) []string {
	b, err := s.read(pid, "cmdline")
	if err != nil {
		return nil
	}
	return parseCmdline(b)
}

// parseCmdline splits a NUL-separated argument vector; kernel threads and
// zombies have an empty one, which gives nil.
func parseCmdline(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return splitNUL(string(bytes.TrimSuffix(b, []byte{0})))
}

// exe resolves the executable link; unreadable links give "".
func (s *scan) exe(pid int) string {
	s.path = appendPath(s.path[:0], pid, "exe")
	path := string(s.path[:len(s.path)-1])
	if s.link == nil {
		s.link = make([]byte, unix.PathMax)
	}
	n, err := unix.Readlinkat(s.dirfd, path, s.link)
	if err != nil || n <= 0 {
		return ""
	}
	return string(s.link[:n])
}

// user sets the effective uid from the Uid line of /proc/PID/status and
// its name from the snapshot's user cache.
func (s *scan) user(p *ProcessInfo) {
	b, err := s.read(p.PID, "status")
	if err != nil {
		return
	}
	uid, ok := statusEUID(b)
	if !ok {
		return
	}
	p.UID, p.User = uid, s.users.name(uid)
}

// statusEUID returns the effective uid from "Uid:\treal\teffective\t...",
// an unsigned decimal that fits a uid_t.
func statusEUID(b []byte) (int, bool) {
	v, _ := procfs.StatusField(b, "Uid")
	fields := bytes.Fields(v)
	if len(fields) < 2 {
		return 0, false
	}
	uid, n := procfs.ParseInt(fields[1])
	if n != len(fields[1]) || fields[1][0] == '-' || uid > math.MaxUint32 {
		return 0, false
	}
	return int(uid), true
}

// markers reads the SYSPRIMS_* variables of /proc/PID/environ.
func (s *scan) markers(pid int) map[string]string {
	b, err := s.read(pid, "environ")
	if err != nil {
		return nil
	}
	return parseMarkers(b)
}
