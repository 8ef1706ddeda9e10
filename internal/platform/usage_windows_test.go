package platform

import (
	"context"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/waittest"
	"github.com/3leaps/sysprims-go/process"
)

// TestJobUsage: a job's account covers its whole tree: CPU time and the
// tree's committed peak, available once Close has read it; peak
// processes stay unmeasured. Under Wine, whose jobs keep no account
// (zero times, no peak), the root's own CPU time stands and peak memory
// is unmeasured: never a zero reported as measured.
func TestJobUsage(t *testing.T) {
	c := newJob(t)
	if u := c.Usage(); u.CPUSource != process.Unmeasured {
		t.Errorf("before Close: %v", u)
	}
	pids := startTree(t, c, "1,2", false)
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waittest.Scale(goneTimeout))
	defer cancel()
	if err := c.WaitEmpty(ctx); err != nil {
		t.Fatal(err)
	}
	c.Wait()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	u := c.Usage()
	t.Logf("tree of %d: %v", len(pids), u)
	if (u.CPUSource != process.UsageJobObject && u.CPUSource != process.UsageRoot) || u.CPU() <= 0 || u.CPU() > time.Minute {
		t.Errorf("cpu: %v", u)
	}
	if u.PeakMemorySource != process.Unmeasured && (u.PeakMemorySource != process.UsageJobObject || u.PeakMemoryScope != process.MemoryTree || u.PeakMemory < 1<<20) {
		t.Errorf("peak memory: %v", u)
	}
	if u.PeakProcessesSource != process.Unmeasured {
		t.Errorf("peak processes: %v", u)
	}
}
