package process

import (
	"encoding/json"
	"testing"
)

// FuzzUsageJSON checks Usage.UnmarshalJSON, which reads the usage object
// of a timeout result the CLI is given: a Usage it accepts keeps the
// documented invariant (an unmeasured figure is zero, none negative), and
// survives MarshalJSON and UnmarshalJSON unchanged.
func FuzzUsageJSON(f *testing.F) {
	for _, u := range []Usage{{}, full, {UserCPU: 1000, CPUSource: UsageRoot, PeakMemory: 1 << 20, PeakMemorySource: UsageReaped, PeakMemoryScope: MemoryLargestMember}} {
		b, _ := json.Marshal(u)
		f.Add(b)
	}
	f.Add([]byte(`{"cpu":{"user_us":9223372036854775807,"system_us":-1,"source":"cgroup_v2"},"unmeasured":[]}`))
	f.Add([]byte(`{"cpu":{"user_us":5,"source":""},"peak_processes":{"count":-3,"source":"x"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var u Usage
		if json.Unmarshal(b, &u) != nil {
			return
		}
		if (u.CPUSource == Unmeasured && u.CPU() != 0) || (u.PeakMemorySource == Unmeasured && (u.PeakMemory != 0 || u.PeakMemoryScope != "")) ||
			(u.PeakProcessesSource == Unmeasured && u.PeakProcesses != 0) || u.UserCPU < 0 || u.SystemCPU < 0 || u.PeakProcesses < 0 {
			t.Fatalf("Unmarshal(%s) = %+v: an unmeasured figure is not zero, or one is negative", b, u)
		}
		out, err := json.Marshal(u)
		var back Usage
		if err != nil || json.Unmarshal(out, &back) != nil || back != u {
			t.Fatalf("round trip of %s through %s: %+v; want %+v (%v)", b, out, back, u, err)
		}
	})
}
