package timeout

import (
	"os"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
)

func TestZZProbeCost(t *testing.T) {
	last, _ := proc.LastPID()
	n := 0
	b := time.Now()
	for pid := last - 2000; pid <= last; pid++ {
		if _, err := proc.Get(pid, proc.Options{}); err == nil {
			n++
		}
	}
	t.Logf("2001 pids probed (%d exist): %v", n, time.Since(b))
	b = time.Now()
	for i := 0; i < 1000; i++ {
		proc.Get(os.Getpid(), proc.Options{})
	}
	t.Logf("1000 Get(self): %v", time.Since(b))
	b = time.Now()
	for i := 0; i < 1000; i++ {
		proc.Get(os.Getpid(), proc.Options{Fields: proc.FieldMarkers})
	}
	t.Logf("1000 Get(self, markers): %v", time.Since(b))
	b = time.Now()
	for i := 0; i < 1000; i++ {
		proc.LastPID()
	}
	t.Logf("1000 LastPID: %v", time.Since(b))
	b = time.Now()
	for i := 0; i < 100; i++ {
		proc.Snapshot(proc.Options{})
	}
	t.Logf("100 Snapshot: %v", time.Since(b))
}
