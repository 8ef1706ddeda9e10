package proc

import (
	"os"
	"os/exec"
	"slices"
	"testing"
)

// TestSinceFindsOnlyNewerProcesses starts two processes and checks that
// Since the first finds both and not this (older) test process.
func TestSinceFindsOnlyNewerProcesses(t *testing.T) {
	first, second := startSleep(t), startSleep(t)
	p, err := Get(first, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Since(p.ID(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pids := make([]int, len(got))
	for i, q := range got {
		pids[i] = q.PID
	}
	if !slices.Contains(pids, first) || !slices.Contains(pids, second) || slices.Contains(pids, os.Getpid()) {
		t.Errorf("Since(%d) = %v, want %d and %d, not %d", first, pids, first, second, os.Getpid())
	}
	got, err = Since(p.ID(), []int{second})
	if err != nil || slices.ContainsFunc(got, func(q ProcessInfo) bool { return q.PID == second }) {
		t.Errorf("Since(%d) without %d = %v, %v", first, second, got, err)
	}
}

// TestSinceCandidates checks the three ways of choosing pids: a narrow
// range probed pid by pid, a wide one intersected with /proc, and a
// wrapped counter (everything).
func TestSinceCandidates(t *testing.T) {
	s, err := newScan(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	self := os.Getpid()
	narrow, _ := s.candidates(self, self+2, []int{self + 1})
	if !slices.Equal(narrow, []int{self, self + 2}) {
		t.Errorf("narrow range: %v", narrow)
	}
	wide, _ := s.candidates(self, self+10*probeMax, nil)
	if !slices.Contains(wide, self) || slices.ContainsFunc(wide, func(pid int) bool { return pid < self || pid > self+10*probeMax }) {
		t.Errorf("wide range: %v", wide)
	}
	gone := make([]int, 0, 10*probeMax)
	for pid := self + 1; pid <= self+10*probeMax; pid++ {
		gone = append(gone, pid)
	}
	if thinned, _ := s.candidates(self, self+10*probeMax, gone); !slices.Equal(thinned, []int{self}) {
		t.Errorf("wide range, all but one gone: %v", thinned)
	}
	wrapped, _ := s.candidates(self+1, self, []int{self})
	if !slices.Contains(wrapped, self) || !slices.Contains(wrapped, 1) {
		t.Errorf("wrapped counter: %v", wrapped)
	}
}

// startSleep starts a sleep killed at the end of the test.
func startSleep(t *testing.T) int {
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd.Process.Pid
}
