package proc

import (
	"os"
	"os/exec"
	"testing"
)

func TestFillDropsTheGone(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	cmd.Env = append(os.Environ(), MarkerPrefix+"FILL=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	self, err := Get(os.Getpid(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	child, err := Get(cmd.Process.Pid, Options{})
	if err != nil {
		t.Fatal(err)
	}
	reused := self
	reused.StartTimeUnixMs-- // the same pid, another process
	ps := []ProcessInfo{child, reused, {PID: 1 << 22}}
	live := Fill(ps, FieldCmdline|FieldMarkers)
	if len(live) != 1 || live[0].PID != child.PID || live[0].Markers[MarkerPrefix+"FILL"] != "1" || len(live[0].Cmdline) != 2 {
		t.Fatalf("Fill returned %+v", live)
	}
	if ps[0].Markers == nil || ps[1].Cmdline != nil {
		t.Errorf("Fill in place: %+v", ps)
	}
	cmd.Process.Kill()
	cmd.Process.Wait()
	if live := Fill(ps[:1], FieldCmdline); len(live) != 0 {
		t.Errorf("a reaped process was kept: %+v", live)
	}
}
