package proc

import (
	"os"
	"os/exec"
	"testing"
)

func TestDyingFrom(t *testing.T) {
	const (
		running = "42 (worker) R 1 42 42 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 6 0 100 0 0"
		exiting = "42 (worker) R 1 42 42 0 -1 4194308 0 0 0 0 0 0 0 0 20 0 6 0 100 0 0"
		zombie  = "42 (worker) Z 1 42 42 0 -1 4194308 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0"
		quiet   = "Name:\tworker\nSigQ:\t0/1\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n"
		killed  = "Name:\tworker\nSigQ:\t1/1\nSigPnd:\t0000000000000100\nShdPnd:\t0000000000000000\n"
		shared  = "Name:\tworker\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000100\n"
		termed  = "Name:\tworker\nSigPnd:\t0000000000004000\nShdPnd:\t0000000000000000\n"
		garbled = "Name:\tworker\nSigPnd:\tzz\nShdPnd:\n"
	)
	for _, tc := range []struct {
		name, stat, status string
		want               bool
	}{
		{"running", running, quiet, false},
		{"exiting", exiting, quiet, true},
		{"SIGKILL pending", running, killed, true},
		{"SIGKILL pending for the group", running, shared, true},
		{"SIGTERM pending", running, termed, false},
		{"zombie", zombie, killed, false},
		{"no status", running, "", false},
		{"garbled status", running, garbled, false},
		{"garbled stat", "42 worker", killed, false},
	} {
		if got := dying([]byte(tc.stat), []byte(tc.status)); got != tc.want {
			t.Errorf("%s: dying = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDyingLive(t *testing.T) {
	if Dying(os.Getpid()) {
		t.Error("Dying(self) = true")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if Dying(cmd.Process.Pid) {
		t.Errorf("Dying(%d) = true for a reaped process", cmd.Process.Pid)
	}
}
