package proc

import (
	"os"
	"testing"
)

func TestRunning(t *testing.T) {
	self, err := Get(os.Getpid(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := Running(self.ID(), Options{Fields: FieldCmdline}); !ok || p.PID != self.PID || len(p.Cmdline) == 0 {
		t.Errorf("Running(self) = %+v, %v", p, ok)
	}
	stale := self.ID()
	stale.StartTimeUnixMs -= 1000
	if _, ok := Running(stale, Options{}); ok {
		t.Error("a reused pid counts as the process")
	}
	if _, ok := Running(Identity{PID: -1}, Options{}); ok {
		t.Error("pid -1 runs")
	}
}
