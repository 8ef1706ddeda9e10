package helper

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/waittest"
)

func TestReadStat(t *testing.T) {
	ppid, pgid, ok := readStat(os.Getpid())
	if !ok || ppid != int64(os.Getppid()) || pgid != int64(syscall.Getpgrp()) {
		t.Errorf("readStat(self) = ppid %d pgid %d %v; want %d %d", ppid, pgid, ok, os.Getppid(), syscall.Getpgrp())
	}
	if _, _, ok := readStat(-1); ok {
		t.Error("readStat(-1) ok")
	}
}

func TestParseSignals(t *testing.T) {
	got := parseSignals("signal 15 18 0 99 x")
	if !slices.Equal(got, []syscall.Signal{15, 18}) {
		t.Errorf("got %v", got)
	}
}

// walk finds every descendant of a process, each pinned by a pidfd.
func TestWalkPinsDescendants(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 300 & sh -c 'sleep 300 & wait' & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, pid := range Subtree(cmd.Process.Pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}()
	waittest.Until(10*time.Second, func() bool { return len(Subtree(cmd.Process.Pid)) >= 3 })
	ms := walk(cmd.Process.Pid)
	defer closeMembers(ms)
	if len(ms) != 3 {
		t.Fatalf("walk found %d members: %+v", len(ms), ms)
	}
	for _, m := range ms {
		if m.fd < 0 || m.pgid != syscall.Getpgrp() {
			t.Errorf("member %+v: no pidfd or wrong group", m)
		}
	}
	if _, ok := pin(cmd.Process.Pid, 1, -1); ok {
		t.Error("a child of this process pinned as a child of pid 1")
	}
}

func TestCheckRunDirRefuses(t *testing.T) {
	mount := CgroupMount("/proc/self/mountinfo")
	for _, dir := range []string{"relative", "/tmp", mount + "/../etc", mount + "/sysprims-1-x"} {
		if err := checkRunDir(dir); err == nil {
			t.Errorf("%q accepted", dir)
		}
	}
}

func TestMainRefusesNonModes(t *testing.T) {
	for _, args := range [][]string{{"x"}, {"x", "shim"}} {
		if code := Main(args); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	if !IsMode(ModeShim) || !IsMode(ModeGuardian) || IsMode("sysprims") {
		t.Error("IsMode")
	}
	if got := strings.Count(ModeShim+ModeGuardian, "sysprims-"); got != 2 {
		t.Error("modes")
	}
}
