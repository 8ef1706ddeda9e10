//go:build unix

package sysprimstest

import (
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
)

func TestSignalAndTerminateTree(t *testing.T) {
	for _, pid := range []int{0, -1, 1} {
		if err := Signal(pid, syscall.SIGTERM); err == nil {
			t.Errorf("Signal(%d) accepted", pid)
		}
	}
	rec := NewRecorder("TestTerminate")
	if res := TerminateTree(rec, 1); res.Err == nil || !rec.Failed() {
		t.Errorf("TerminateTree(1) accepted: %v", res)
	}

	r := listen(t)
	cmd := fixtures.Command("ignore-term")
	r.Attach(cmd)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	if _, err := r.Await(3, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := Signal(cmd.Process.Pid, syscall.SIGCONT); err != nil {
		t.Errorf("Signal: %v", err)
	}
	res := TerminateTree(t, cmd.Process.Pid, WithGrace(100*time.Millisecond))
	if len(res.Survivors) > 0 || res.Reliability != "best_effort" {
		t.Errorf("TerminateTree: %v", res)
	}
	assertGoneWithin(t, r, time.Second)
}
