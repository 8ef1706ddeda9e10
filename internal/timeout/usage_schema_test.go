package timeout

import (
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/process"
)

// TestUsageSchema validates a fully measured usage (no machine here may
// have memory.peak and pids.peak; real runs are validated by
// TestUsageOfKnownLoad) and shows the schema refuses a malformed one.
func TestUsageSchema(t *testing.T) {
	s, err := resultSchema()
	if err != nil {
		t.Fatal(err)
	}
	o := Outcome{Status: StatusCompleted, TreeKillReliability: "guaranteed", GroupingRequested: "group_by_default",
		GroupingEffective: "cgroup_v2", Mechanism: "cgroup_v2", Usage: process.Usage{
			UserCPU: time.Second, SystemCPU: time.Millisecond, CPUSource: process.UsageCgroup,
			PeakMemory: 1 << 26, PeakMemorySource: process.UsageCgroup, PeakMemoryScope: process.MemoryTree,
			PeakProcesses: 2, PeakProcessesSource: process.UsageCgroup}}
	checkSchema(t, o)
	good, _ := o.JSON()
	for _, bad := range []string{
		strings.Replace(string(good), `"unmeasured":[]`, `"unmeasured":["disk"]`, 1),
		strings.Replace(string(good), `"source":"cgroup_v2"`, `"source":"guess"`, 1),
		strings.Replace(string(good), `"scope":"tree"`, `"scope":"all"`, 1),
		strings.Replace(string(good), `"user_us":1000000,`, ``, 1),
		strings.Replace(string(good), `"bytes":67108864`, `"bytes":-1`, 1),
		strings.Replace(string(good), `,"unmeasured":[]`, ``, 1),
		strings.Replace(string(good), `"count":2,`, `"count":2,"zero":0,`, 1),
	} {
		if bad == string(good) {
			t.Fatalf("replacement did not apply to %s", good)
		}
		if s.Validate([]byte(bad)) == nil {
			t.Errorf("schema accepted %s", bad)
		}
	}
	noUsage := strings.Replace(string(good), `,"usage":`, `,"x":`, 1)
	if s.Validate([]byte(noUsage)) == nil {
		t.Errorf("schema accepted an outcome without usage")
	}
}
