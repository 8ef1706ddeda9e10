package platform

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/process"
)

// TestCgroupUsage reads recorded leaves: one with the memory and pids
// controllers, one with cpu.stat only (as on a hybrid host whose cgroup2
// hierarchy has no controllers), one with nothing.
func TestCgroupUsage(t *testing.T) {
	for _, c := range []struct {
		dir  string
		want process.Usage
	}{
		{"full", process.Usage{UserCPU: 456789 * time.Microsecond, SystemCPU: 155556 * time.Microsecond, CPUSource: process.UsageCgroup,
			PeakMemory: 73400320, PeakMemorySource: process.UsageCgroup, PeakMemoryScope: process.MemoryTree,
			PeakProcesses: 7, PeakProcessesSource: process.UsageCgroup}},
		{"cpu-only", process.Usage{UserCPU: 369221 * time.Microsecond, SystemCPU: 162181 * time.Microsecond, CPUSource: process.UsageCgroup}},
		{"none", process.Usage{}},
		{"missing", process.Usage{}},
	} {
		if got := cgroupUsage(filepath.Join("testdata", "usage", c.dir)); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.dir, got, c.want)
		}
	}
}

// TestCPUStatNeedsBothTimes: a cpu.stat without system_usec (or with a
// garbled value) measures nothing rather than half.
func TestCPUStatNeedsBothTimes(t *testing.T) {
	dir := t.TempDir()
	for _, text := range []string{"usage_usec 5\nuser_usec 3\n", "user_usec 3\nsystem_usec x\n", ""} {
		os.WriteFile(filepath.Join(dir, "cpu.stat"), []byte(text), 0o644)
		if u := cgroupUsage(dir); u.CPUSource != process.Unmeasured {
			t.Errorf("%q: %+v", text, u)
		}
	}
}

// TestEnableAccounting enables what the parent grants, and only that.
func TestEnableAccounting(t *testing.T) {
	for _, c := range []struct{ grants, want string }{
		{"cpu io memory hugetlb pids\n", "+memory +pids"},
		{"cpu pids", "+pids"},
		{"hugetlb", ""},
		{"", ""},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "cgroup.controllers"), []byte(c.grants), 0o644)
		os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), nil, 0o644)
		enableAccounting(dir)
		if got, _ := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control")); string(got) != c.want {
			t.Errorf("grants %q: wrote %q, want %q", c.grants, got, c.want)
		}
	}
}

func TestParseShimUsage(t *testing.T) {
	u, ok := parseShimUsage("usage 500123 20000 71680\n")
	want := process.Usage{UserCPU: 500123 * time.Microsecond, SystemCPU: 20 * time.Millisecond, CPUSource: process.UsageReaped,
		PeakMemory: 71680 << 10, PeakMemorySource: process.UsageReaped, PeakMemoryScope: process.MemoryLargestMember}
	if !ok || u != want {
		t.Errorf("got %+v %v, want %+v", u, ok, want)
	}
	if u, ok := parseShimUsage("usage 1 2 0\n"); !ok || u.PeakMemorySource != process.Unmeasured || u.CPUSource != process.UsageReaped {
		t.Errorf("no maxrss: %+v %v", u, ok)
	}
	for _, bad := range []string{"exit 0 0 0\n", "usage 1 2\n", "signalled\n"} {
		if _, ok := parseShimUsage(bad); ok {
			t.Errorf("%q parsed as usage", bad)
		}
	}
}

func TestAccountingNotes(t *testing.T) {
	for _, c := range []struct {
		grants string
		want   int
	}{{"cpu memory pids", 0}, {"memory", 1}, {"pids", 1}, {"", 2}} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "cgroup.controllers"), []byte(c.grants), 0o644)
		if got := accountingNotes(dir); len(got) != c.want {
			t.Errorf("grants %q: notes %q", c.grants, got)
		}
	}
}
