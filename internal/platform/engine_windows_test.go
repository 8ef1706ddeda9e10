package platform_test

// The engine (internal/timeout) on top of the Windows containers: what the
// outcome reports, and that the tree is really gone afterwards.

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/timeout"
	"golang.org/x/sys/windows"
)

func TestEngineOutcomeOnWindows(t *testing.T) {
	for _, tc := range []struct {
		mech platform.Mechanism
		want platform.Reliability
	}{
		{platform.MechanismAuto, platform.Guaranteed},
		{platform.MechanismProcessGroup, platform.BestEffort},
	} {
		t.Run(string(tc.want), func(t *testing.T) {
			o, pids := stopTree(t, tc.mech)
			mech := tc.mech
			if mech == platform.MechanismAuto {
				mech = platform.MechanismJobObject
			}
			if o.TreeKillReliability != tc.want || o.Mechanism != mech || o.GroupingEffective != string(mech) {
				t.Errorf("outcome %s/%s/%s, want %s/%s", o.TreeKillReliability, o.Mechanism, o.GroupingEffective, tc.want, mech)
			}
			if o.ExitCode != -1 || o.TermSignal != "SIGKILL" {
				t.Errorf("root exit %d/%q, want -1/SIGKILL (killed by the teardown)", o.ExitCode, o.TermSignal)
			}
			if len(o.Survivors) != 0 {
				t.Errorf("survivors: %v", o.Survivors)
			}
			if left := stillRunning(t, pids); len(left) != 0 {
				t.Errorf("alive after Stop (independent check): %v", left)
			}
			js, err := o.JSON()
			var doc map[string]any
			if err != nil || json.Unmarshal(js, &doc) != nil || doc["tree_kill_reliability"] != string(tc.want) {
				t.Errorf("JSON %s (%v): tree_kill_reliability is not %q", js, err, tc.want)
			}
			t.Logf("%s", js)
		})
	}
}

// stopTree starts a 1+2+4 tree through the engine, waits until all report
// ready, stops it and returns the outcome and the tree's pids.
func stopTree(t *testing.T, mech platform.Mechanism) (timeout.Outcome, []int) {
	t.Helper()
	cmd := platform.ChildCmd("tree", "2,2")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := timeout.Start(cmd, timeout.Config{Mechanism: mech, Grace: 5 * time.Second})
	if err != nil {
		t.Fatalf("timeout.Start: %v", err)
	}
	pids, err := platform.ReadReady(out)
	if err != nil {
		tr.Stop()
		t.Fatalf("tree not ready: %v", err)
	}
	start := time.Now()
	o := tr.Stop()
	t.Logf("Stop took %v", time.Since(start))
	return o, pids
}

// stillRunning lists the pids that still run this test binary's image.
func stillRunning(t *testing.T, pids []int) []int {
	t.Helper()
	exe, _ := os.Executable()
	var left []int
	for _, pid := range pids {
		h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION|windows.SYNCHRONIZE, false, uint32(pid))
		if err != nil {
			continue
		}
		ev, _ := windows.WaitForSingleObject(h, 0)
		buf := make([]uint16, windows.MAX_PATH)
		n := uint32(len(buf))
		windows.QueryFullProcessImageName(h, 0, &buf[0], &n)
		if ev == uint32(windows.WAIT_TIMEOUT) && strings.EqualFold(windows.UTF16ToString(buf[:n]), exe) {
			left = append(left, pid)
			windows.TerminateProcess(h, 9)
		}
		windows.CloseHandle(h)
	}
	return left
}
