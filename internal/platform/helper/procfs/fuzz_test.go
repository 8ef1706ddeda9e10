package procfs

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/3leaps/sysprims-go/internal/fuzztest"
)

// The fuzz targets of the cgroup v2 files, seeded with the recorded files
// of internal/platform/testdata/usage. The /proc parsers' targets are in
// internal/proc, next to its recorded /proc tree.

// FuzzCPUStat checks CPUStat against a reference (the first user_usec and
// system_usec lines, each a non-negative int64) and by a round trip.
func FuzzCPUStat(f *testing.F) {
	addFiles(f, "cpu.stat")
	f.Add([]byte("user_usec 3\nuser_usec 4\nsystem_usec -1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, s, ok := CPUStat(b)
		ru, uok := refKey(string(b), "user_usec")
		rs, sok := refKey(string(b), "system_usec")
		if ok != (uok && sok) || ok && (u != ru || s != rs) {
			t.Fatalf("CPUStat(%q) = %d, %d, %v; want %d, %d, %v", b, u, s, ok, ru, rs, uok && sok)
		}
		if !ok {
			return
		}
		line := "usage_usec 0\nuser_usec " + strconv.FormatInt(u, 10) + "\nsystem_usec " + strconv.FormatInt(s, 10) + "\n"
		if u2, s2, ok := CPUStat([]byte(line)); !ok || u2 != u || s2 != s {
			t.Fatalf("round trip of %d, %d: %d, %d, %v", u, s, u2, s2, ok)
		}
	})
}

// refKey is the value of the first line "NAME VALUE" of s, if it is a
// non-negative int64.
func refKey(s, name string) (int64, bool) {
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil && n >= 0
		}
	}
	return 0, false
}

// FuzzCount checks Count (memory.peak, pids.peak) against strconv on the
// first line, trimmed, and by a round trip.
func FuzzCount(f *testing.F) {
	addFiles(f, "memory.peak", "pids.peak")
	f.Add([]byte("max\n"))
	f.Add([]byte(" 18446744073709551615 \n7"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := Count(b)
		first, _, _ := strings.Cut(string(b), "\n")
		want, err := strconv.ParseUint(strings.TrimSpace(first), 10, 64)
		if ok != (err == nil) || ok && n != want {
			t.Fatalf("Count(%q) = %d, %v; want %d, %v", b, n, ok, want, err)
		}
		if again, ok2 := Count([]byte(strconv.FormatUint(n, 10) + "\n")); ok && (!ok2 || again != n) {
			t.Fatalf("round trip of %d: %d, %v", n, again, ok2)
		}
	})
}

// FuzzPopulated checks the populated key of cgroup.events against a
// reference: the first "populated " line, populated unless its value is
// exactly "0".
func FuzzPopulated(f *testing.F) {
	addFiles(f, "cgroup.events*")
	f.Add([]byte("frozen 0\npopulated 1"))
	f.Add([]byte("populated\npopulated 0 \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pop, ok := Populated(b)
		_, after, wantOK := strings.Cut("\n"+string(b), "\npopulated ")
		v, _, _ := strings.Cut(after, "\n")
		if wantPop := wantOK && v != "0"; ok != wantOK || pop != wantPop {
			t.Fatalf("Populated(%q) = %v, %v; want %v, %v", b, pop, ok, wantPop, wantOK)
		}
	})
}

// addFiles adds to f every file named name under the recorded cgroup
// directories of internal/platform/testdata/usage.
func addFiles(f *testing.F, names ...string) {
	f.Helper()
	for _, name := range names {
		for _, b := range fuzztest.Files(f, filepath.Join("..", "..", "testdata", "usage", "*", name)) {
			f.Add(b)
		}
	}
}
