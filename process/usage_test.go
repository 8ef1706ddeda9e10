package process

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

var full = Usage{UserCPU: 400 * time.Millisecond, SystemCPU: 100 * time.Millisecond, CPUSource: UsageCgroup,
	PeakMemory: 70 << 20, PeakMemorySource: UsageCgroup, PeakMemoryScope: MemoryTree,
	PeakProcesses: 3, PeakProcessesSource: UsageCgroup}

func TestUsageJSON(t *testing.T) {
	for _, c := range []struct {
		u    Usage
		want string
	}{
		{Usage{}, `{"unmeasured":["cpu","peak_memory","peak_processes"]}`},
		{full, `{"cpu":{"user_us":400000,"system_us":100000,"source":"cgroup_v2"},"peak_memory":{"bytes":73400320,"scope":"tree","source":"cgroup_v2"},"peak_processes":{"count":3,"source":"cgroup_v2"},"unmeasured":[]}`},
		{Usage{UserCPU: time.Millisecond, CPUSource: UsageRoot}, `{"cpu":{"user_us":1000,"system_us":0,"source":"root_rusage"},"unmeasured":["peak_memory","peak_processes"]}`},
	} {
		b, err := json.Marshal(c.u)
		if err != nil || string(b) != c.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", c.u, b, err, c.want)
		}
		var back Usage
		if err := json.Unmarshal(b, &back); err != nil || back != c.u {
			t.Errorf("round trip of %s = %+v, %v", b, back, err)
		}
	}
}

// TestUsageUnmeasured: a measured zero is measured; only the source says.
func TestUsageUnmeasured(t *testing.T) {
	u := Usage{CPUSource: UsageReaped, PeakMemorySource: UsageReaped, PeakMemoryScope: MemoryLargestMember}
	if got := u.Unmeasured(); !slices.Equal(got, []string{UsagePeakProcesses}) {
		t.Errorf("Unmeasured = %q", got)
	}
	if got := full.Unmeasured(); got == nil || len(got) != 0 {
		t.Errorf("Unmeasured of a full usage = %#v, want empty and not nil", got)
	}
}

func TestUsageString(t *testing.T) {
	for _, c := range []struct {
		u    Usage
		want string
	}{
		{full, "cpu 500ms (user 400ms, system 100ms; cgroup_v2), peak memory 70.0 MiB (tree; cgroup_v2), peak processes 3 (cgroup_v2)"},
		{Usage{}, "cpu unmeasured, peak memory unmeasured, peak processes unmeasured"},
		{Usage{PeakMemory: 3 << 19, PeakMemorySource: UsageReaped, PeakMemoryScope: MemoryLargestMember},
			"cpu unmeasured, peak memory 1.5 MiB (largest member; rusage_children), peak processes unmeasured"},
	} {
		if got := c.u.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}
