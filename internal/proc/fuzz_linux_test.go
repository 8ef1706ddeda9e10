package proc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
)

// The fuzz targets of the /proc parsers. Each is seeded with the recorded
// files of testdata/ and checks the parser against a plain reference
// (strings and strconv) or by a round trip, not only that it returns.

// FuzzParseStat checks parseStat against a reference parser and by a round
// trip through a line formatted from its result; endCodeZero reads the
// same line.
func FuzzParseStat(f *testing.F) {
	addFiles(f, "testdata/proc/*/stat", "testdata/badproc/*/stat")
	f.Add([]byte("42 (a) b (c)) R 1 42 42 0 -1 4194304 0 0 0 0 7 3 0 0 20 0 1 0 99 0 12"))
	f.Add([]byte("42 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 0\n"))
	f.Add([]byte("7 (sleep) R 1 6 6 0 -1 4194304 88 0 0 0 0 0 0 0 20 0 1 0 5 4096 0 18446744073709551615 0 0 0 0 0 0 0 6 0 0 0 0 17 0 0 0 0 0 0 0 0 0 1407 0 0 0 0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var st procStat
		err := procfs.ParseStat(b, &st)
		if got, want := endCodeZero(b), err == nil && refEndCodeZero(b); got != want {
			t.Fatalf("endCodeZero(%q) = %v, reference %v", b, got, want)
		}
		want, ok := referenceStat(b)
		if err != nil {
			if !errors.Is(err, procfs.ErrStatFormat) {
				t.Fatalf("procfs.ParseStat(%q): error %v does not wrap procfs.ErrStatFormat", b, err)
			}
			if ok {
				t.Fatalf("procfs.ParseStat(%q) = %v; the reference parses it: %+v", b, err, want)
			}
			return
		}
		if !ok {
			t.Fatalf("procfs.ParseStat(%q) = %+v; the reference refuses it", b, st)
		}
		if !sameStat(st, want) {
			t.Fatalf("procfs.ParseStat(%q) = %+v, reference %+v", b, st, want)
		}
		var again procStat
		line := formatStat(&st)
		if err := procfs.ParseStat(line, &again); err != nil || !sameStat(st, again) {
			t.Fatalf("round trip of %q through %q: %+v, %v", b, line, again, err)
		}
		p := statInfo(&st, 1_700_000_000_000, 4)
		if !p.State.Valid() || p.PID != st.PID || p.Name != string(st.Name) {
			t.Fatalf("info of %+v = %+v", st, p)
		}
		if pct := statCPUPercent(&st, 1<<40, 2); !(pct >= 0 && pct <= 100) {
			t.Fatalf("cpuPercent of %+v = %v", st, pct)
		}
	})
}

// statNumber is one numeric field of a stat line as the kernel writes it.
var statNumber = regexp.MustCompile(`^-?[0-9]+`)

// referenceStat parses a stat line with strings and strconv: "pid (comm)
// S" then fields 4..24, one blank apart; the comm runs to the last ')'
// and anything after field 24's number is ignored.
func referenceStat(b []byte) (procStat, bool) {
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 2 || end < open || len(s) < end+3 || s[open-1] != ' ' || s[end+1] != ' ' {
		return procStat{}, false
	}
	pid, ok := refInt(s[:open-1], true)
	if !ok || pid < 1 || pid > math.MaxInt32 {
		return procStat{}, false
	}
	st := procStat{PID: int(pid), Name: b[open+1 : end], State: s[end+2]}
	kept := map[int]*int64{procfs.FieldPPID: &st.PPID, procfs.FieldPGRP: &st.PGRP, procfs.FieldSession: &st.Session,
		procfs.FieldFlags: &st.Flags, procfs.FieldUtime: &st.Utime, procfs.FieldStime: &st.Stime,
		procfs.FieldThreads: &st.Threads, procfs.FieldStarttime: &st.Starttime, procfs.FieldRSS: &st.RSS}
	toks := strings.Split(s[end+3:], " ")
	if len(toks) < procfs.FieldRSS-procfs.FieldPPID+2 || toks[0] != "" {
		return procStat{}, false
	}
	for field := procfs.FieldPPID; field <= procfs.FieldRSS; field++ {
		v, ok := refInt(toks[field-procfs.FieldPPID+1], field < procfs.FieldRSS)
		if !ok {
			return procStat{}, false
		}
		if p := kept[field]; p != nil {
			*p = v
		}
	}
	return st, true
}

// refEndCodeZero reports whether a stat line that parses has fields 24
// to 26 whole decimals of any size (rsslim, field 25, is
// 18446744073709551615 when unlimited), one blank apart, and field 27
// (end_code) the number 0, at the end of the line or of the text.
func refEndCodeZero(b []byte) bool {
	s := string(b)
	toks := strings.Split(s[strings.LastIndexByte(s, ')')+3:], " ")
	if len(toks) <= procfs.FieldEndCode-3 {
		return false
	}
	for field := procfs.FieldRSS; field < procfs.FieldEndCode; field++ {
		if tok := toks[field-3]; tok == "" || statNumber.FindString(tok) != tok {
			return false
		}
	}
	last, _, _ := strings.Cut(toks[procfs.FieldEndCode-3], "\n")
	v, ok := refInt(last, true)
	return ok && v == 0
}

// refInt parses the decimal at the start of s (all of s when whole).
func refInt(s string, whole bool) (int64, bool) {
	m := statNumber.FindString(s)
	if m == "" || whole && m != s {
		return 0, false
	}
	v, err := strconv.ParseInt(m, 10, 64)
	return v, err == nil
}

func sameStat(a, b procStat) bool {
	return a.PID == b.PID && bytes.Equal(a.Name, b.Name) && a.State == b.State &&
		a.PPID == b.PPID && a.PGRP == b.PGRP && a.Session == b.Session && a.Flags == b.Flags &&
		a.Utime == b.Utime && a.Stime == b.Stime && a.Threads == b.Threads &&
		a.Starttime == b.Starttime && a.RSS == b.RSS
}

// formatStat writes st as the kernel would, the fields it does not keep 0.
func formatStat(st *procStat) []byte {
	b := fmt.Appendf(nil, "%d (%s) ", st.PID, st.Name)
	b = append(b, st.State) // a byte, not a rune
	return fmt.Appendf(b, " %d %d %d 0 0 %d 0 0 0 0 %d %d 0 0 0 0 %d 0 %d 0 %d 0 0\n",
		st.PPID, st.PGRP, st.Session, st.Flags, st.Utime, st.Stime, st.Threads, st.Starttime, st.RSS)
}

// FuzzStatusEUID checks that the effective uid read from a status file is
// the second number of its first Uid line (the file's first line too),
// and a uid_t.
func FuzzStatusEUID(f *testing.F) {
	addFiles(f, "testdata/proc/*/status", "testdata/proc/*/task/*/status")
	f.Add([]byte("Name:\tx\nUid:\t1000\t4294967294\t0\t0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		uid, ok := statusEUID(b)
		if !ok {
			if uid != 0 {
				t.Fatalf("statusEUID(%q) = %d, false", b, uid)
			}
			return
		}
		line, _ := refStatusField(string(b), "Uid")
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[1][0] == '+' {
			t.Fatalf("statusEUID(%q) = %d from Uid line %q", b, uid, line)
		}
		if v, err := strconv.ParseUint(fields[1], 10, 32); err != nil || v != uint64(uid) {
			t.Fatalf("statusEUID(%q) = %d from Uid line %q", b, uid, line)
		}
	})
}

// FuzzCmdline checks that the argument vector joined again is the file,
// less its final NUL.
func FuzzCmdline(f *testing.F) {
	addFiles(f, "testdata/proc/*/cmdline")
	f.Add([]byte("a\x00\x00b c\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		args := parseCmdline(b)
		if len(b) == 0 {
			if args != nil {
				t.Fatalf("parseCmdline(%q) = %q, want nil", b, args)
			}
			return
		}
		if got, want := strings.Join(args, "\x00"), strings.TrimSuffix(string(b), "\x00"); got != want || len(args) == 0 {
			t.Fatalf("parseCmdline(%q) = %q", b, args)
		}
	})
}

// FuzzPIDList checks the children file parser against strings.Fields and
// strconv: every field that is a positive pid, in order, and nothing else.
func FuzzPIDList(f *testing.F) {
	addFiles(f, "testdata/proc/*/task/*/children", "../platform/testdata/usage/*/cgroup.procs")
	f.Add([]byte("12 34 \n"))
	f.Add([]byte("1\n2\n3\n4\n5\n")) // a cgroup.procs file
	f.Add([]byte("1 -2 0 x3 99999999999999999999 4"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got := procfs.AppendPIDs([]int{7}, b)
		var want []int
		for _, s := range strings.FieldsFunc(string(b), func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }) {
			if pid, err := strconv.ParseInt(s, 10, 32); err == nil && pid > 0 && s[0] != '+' {
				want = append(want, int(pid))
			}
		}
		if got[0] != 7 || !slices.Equal(got[1:], want) {
			t.Fatalf("AppendPIDs(%q) = %v, want %v", b, got[1:], want)
		}
	})
}

// FuzzDirents checks the getdents parser on records built from fuzzed
// names: it returns exactly the names that are positive decimals.
func FuzzDirents(f *testing.F) {
	f.Add([]byte("1\x00self\x0042\x00007\x00"), uint8(0))
	f.Add([]byte("99999999999999999999\x00\x000\x00"), uint8(3))
	f.Fuzz(func(t *testing.T, names []byte, cut uint8) {
		var buf []byte
		var want []int
		for i, name := range bytes.Split(names, []byte{0}) {
			if i > 64 {
				break
			}
			buf = appendDirent(buf, name)
			if pid, err := strconv.ParseInt(string(name), 10, 64); err == nil && allDigits(name) && pid > 0 && pid <= math.MaxInt32 {
				want = append(want, int(pid))
			}
		}
		if got := appendDirentPIDs(nil, buf); !slices.Equal(got, want) {
			t.Fatalf("appendDirentPIDs(names %q) = %v, want %v", names, got, want)
		}
		// A truncated buffer yields a prefix of the pids.
		short := buf[:len(buf)*int(cut)/256]
		if got := appendDirentPIDs(nil, short); len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
			t.Fatalf("appendDirentPIDs(truncated %d of %d) = %v, want a prefix of %v", len(short), len(buf), got, want)
		}
	})
}

// appendDirent appends one linux_dirent64 record, 8-byte aligned.
func appendDirent(b, name []byte) []byte {
	reclen := (19 + len(name) + 1 + 7) &^ 7
	rec := make([]byte, reclen)
	binary.NativeEndian.PutUint64(rec, 1)
	binary.NativeEndian.PutUint64(rec[8:], uint64(len(b)+reclen))
	binary.NativeEndian.PutUint16(rec[16:], uint16(reclen))
	rec[18] = 4 // DT_DIR
	copy(rec[19:], name)
	return append(b, rec...)
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// FuzzBootTime checks the btime line of /proc/stat against a reference:
// the first "btime N" line whose N is a number of seconds that can be
// given in milliseconds.
func FuzzBootTime(f *testing.F) {
	addFiles(f, "testdata/proc/stat", "testdata/nobtime/stat", "testdata/badproc/stat")
	f.Add([]byte("btime -5\nbtime 9223372036854775807\nbtime 007x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, ok := parseBootTimeMs(b)
		want, wantOK := int64(0), false
		for _, line := range strings.Split(string(b), "\n") {
			rest, found := strings.CutPrefix(line, "btime ")
			if v, err := strconv.ParseInt(statNumber.FindString(rest), 10, 64); found && err == nil && v >= 0 && v <= math.MaxInt64/1000 {
				want, wantOK = v*1000, true
				break
			}
		}
		if ms != want || ok != wantOK {
			t.Fatalf("parseBootTimeMs(%q) = %d, %v; want %d, %v", b, ms, ok, want, wantOK)
		}
	})
}

// FuzzUptime checks /proc/uptime against strconv.ParseFloat: the first
// number in clock ticks, truncated, never negative.
func FuzzUptime(f *testing.F) {
	addFiles(f, "testdata/proc/uptime")
	f.Add([]byte("605.83 1125.25\n"))
	f.Add([]byte("-5.50 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ticks, ok := parseUptimeTicks(b)
		if !ok {
			if ticks != 0 {
				t.Fatalf("parseUptimeTicks(%q) = %d, false", b, ticks)
			}
			return
		}
		first := regexp.MustCompile(`^[0-9]+(\.[0-9]*)?`).Find(b)
		secs, err := strconv.ParseFloat(strings.TrimSuffix(string(first), "."), 64)
		if ticks < 0 || first == nil || err != nil || math.Abs(secs*clockTicks-float64(ticks)) > 1+secs*1e-12 {
			t.Fatalf("parseUptimeTicks(%q) = %d; the number reads %q", b, ticks, first)
		}
	})
}

// FuzzCgroupFile checks the "0::" line of /proc/PID/cgroup: the path is
// the rest of the first such line.
func FuzzCgroupFile(f *testing.F) {
	f.Add([]byte("9:name=systemd:/\n4:memory:/x\n0::/user.slice/session-1.scope\n"))
	f.Add([]byte("0::/\n"))
	f.Add([]byte("0::/user.slice/user-0.slice/session-c1.scope\r\n0::/second\n"))
	f.Add([]byte("1:cpu:/\n0::"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got := procfs.CgroupV2Path(b)
		want := ""
		for _, line := range strings.Split(string(b), "\n") {
			if p, ok := strings.CutPrefix(line, "0::"); ok {
				want = p
				break
			}
		}
		if got != want {
			t.Fatalf("CgroupV2Path(%q) = %q, want %q", b, got, want)
		}
	})
}

// FuzzStatusField checks the "NAME:\tVALUE" reader of status and fdinfo
// files against a reference (the first line that starts with "NAME:", its
// rest trimmed), and the readers built on it: statusMask reads that value
// as a hexadecimal mask, fdFlags as an octal uint32.
func FuzzStatusField(f *testing.F) {
	for _, name := range []string{"Tgid", "SigPnd", "ShdPnd", "Uid", "flags"} {
		addFilesAs(f, name, "testdata/status/*", "testdata/proc/*/status", "testdata/fdinfo/*")
	}
	f.Add([]byte("Name:\tx\nPPid:\t1\nTgid:  42 \n"), "Pid")
	f.Add([]byte("pos:\t0\nflags:\t-02\n"), "flags")
	f.Fuzz(func(t *testing.T, b []byte, name string) {
		got, ok := procfs.StatusField(b, name)
		want, wantOK := refStatusField(string(b), name)
		if ok != wantOK || string(got) != want {
			t.Fatalf("StatusField(%q, %q) = %q, %v; want %q, %v", b, name, got, ok, want, wantOK)
		}
		mask, err := strconv.ParseUint(want, 16, 64)
		if m := statusMask(b, name); m != mask && (err == nil || m != 0) {
			t.Fatalf("statusMask(%q, %q) = %#x; the value reads %q", b, name, m, want)
		}
		flags, err := fdFlags(b)
		v, ok := refStatusField(string(b), "flags")
		wantFlags, werr := strconv.ParseUint(v, 8, 32)
		if (err == nil) != (ok && werr == nil) || err == nil && uint64(flags) != wantFlags {
			t.Fatalf("fdFlags(%q) = %#o, %v; the flags line reads %q", b, flags, err, v)
		}
	})
}

// refStatusField is StatusField with strings.
func refStatusField(s, name string) (string, bool) {
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// FuzzFIFOID checks the names Streams gives named pipes: one exactly for
// a FIFO's mode, never a pipe's or socket's name, and read back as the
// same device and inode.
func FuzzFIFOID(f *testing.F) {
	f.Add(uint32(syscall.S_IFIFO|0o644), uint64(66306), uint64(5064329))
	f.Add(uint32(syscall.S_IFSOCK|0o777), uint64(8), uint64(77))
	f.Add(uint32(syscall.S_IFREG|syscall.S_IFIFO), uint64(0), uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, mode uint32, dev, ino uint64) {
		name, ok := fifoName(mode, dev, ino)
		if ok != (mode&syscall.S_IFMT == syscall.S_IFIFO) || ok != (name != "") {
			t.Fatalf("fifoName(%#o, %d, %d) = %q, %v", mode, dev, ino, name, ok)
		}
		if !ok {
			return
		}
		var d, i uint64
		if n, err := fmt.Sscanf(name, "fifo:[%d:%d]", &d, &i); n != 2 || err != nil || d != dev || i != ino {
			t.Fatalf("fifoName(%#o, %d, %d) = %q, reads back %d:%d (%v)", mode, dev, ino, name, d, i, err)
		}
		if _, sock := SocketInode(name); sock || strings.HasPrefix(name, "pipe:") {
			t.Fatalf("fifoName(%#o, %d, %d) = %q, a pipe's or socket's name", mode, dev, ino, name)
		}
	})
}
