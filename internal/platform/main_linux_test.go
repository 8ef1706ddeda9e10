package platform

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// envMode turns the test binary into a helper of these tests.
const envMode = "SYSPRIMS_PTEST_MODE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(envMode); mode != "" {
		syscall.Exit(runMode(mode)) // no exit hooks: -race would sleep 1 s
	}
	os.Exit(m.Run())
}

// runMode is the helper of the caller-death tests: it starts advScript in
// a container of the mechanism named by mode ("<mechanism>" or
// "<mechanism>:exit"), with its stdout, then blocks until killed, or
// exits at once without closing the container.
func runMode(mode string) int {
	switch mode {
	case "sweep":
		Probe() // sweeps this cgroup's stale run directories
		return 0
	case "helperpath":
		id, err := helperIdentity()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(id)
		return 0
	}
	mech, how, _ := strings.Cut(mode, ":")
	c, err := New(Spec{Mechanism: Mechanism(mech), Require: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd := exec.Command("sh", "-c", advScript)
	cmd.Stdout = os.Stdout
	cmd.Env = withoutKey(os.Environ(), envMode)
	if runDir != "" {
		fmt.Println("rundir " + runDir)
	}
	if err := c.Start(cmd); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if how == "exit" {
		bufio.NewReader(os.Stdin).ReadString('\n') // the test says when
		return 0
	}
	select {}
}

// testCallerKilled runs the crash helper with mechanism m, SIGKILLs it
// once its tree is ready, and checks that nothing of the tree survives.
func testCallerKilled(t *testing.T, m Mechanism) { testCallerGone(t, string(m)) }

// testCallerGone runs the helper in mode, ends it once its tree is ready
// (SIGKILL, or a line on stdin for ":exit" modes), and checks that nothing
// of the tree, and no helper of the library, survives.
func testCallerGone(t *testing.T, mode string) {
	c := startCaller(t, mode)
	c.end(t)
}

// caller is a helper process of these tests (see runMode) and the tree
// it started.
type caller struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	tt     *testTree
	stderr *syncBuffer
}

// syncBuffer is a bytes.Buffer that a test may read while a process
// writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits, bounded, until the buffer holds every one of words.
func (s *syncBuffer) waitFor(t *testing.T, words ...string) {
	t.Helper()
	said := func() bool {
		out := s.String()
		for _, w := range words {
			if !strings.Contains(out, w) {
				return false
			}
		}
		return true
	}
	if !waittest.Until(5*time.Second, said) {
		t.Fatalf("never said %q: %q", words, s.String())
	}
}

// startCaller runs the helper in mode, wrapped by the argv prefix wrap
// (e.g. unshare) when given, and waits until its tree is ready.
func startCaller(t *testing.T, mode string, wrap ...string) *caller {
	c := &caller{tt: &testTree{tag: newTag(), pids: make(map[int]int64)}, stderr: new(syncBuffer)}
	argv := append(wrap, os.Args[0], "-test.run=^$")
	c.cmd = exec.Command(argv[0], argv[1:]...)
	c.cmd.Env = append(os.Environ(), envMode+"="+mode, "SYSPRIMS_PTEST="+c.tt.tag)
	var err error
	if c.in, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = io.MultiWriter(os.Stderr, c.stderr)
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		for _, pid := range c.tt.survivors() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	c.tt.lines = newLineScanner(out)
	c.tt.read(t, advPIDs)
	return c
}

// end ends the caller (SIGKILL, or a line on stdin for ":exit" modes) and
// checks that nothing of its tree, no helper and no run directory of it
// survives.
func (c *caller) end(t *testing.T) {
	t.Helper()
	mode := owner.LookupEnv(c.cmd.Env, envMode)
	if strings.HasSuffix(mode, ":exit") {
		c.in.Write([]byte("go\n"))
	} else {
		c.cmd.Process.Kill()
	}
	c.cmd.Wait()
	c.tt.waitNoSurvivors(t, 5*time.Second)
	waitHelpersGone(t, c.cmd.Process.Pid)
	if strings.HasPrefix(mode, string(MechanismCgroup)) {
		left, _ := filepath.Glob(filepath.Join(cgroupBase(Probe()), owner.RunDirPrefix+strconv.Itoa(c.cmd.Process.Pid)+"-*"))
		if len(left) > 0 {
			t.Errorf("run directories of the dead caller left: %v", left)
		}
	}
}

// waitHelpersGone waits until no live shim or guardian started by caller
// remains (they carry SYSPRIMS_SHIM or SYSPRIMS_GUARDIAN and were
// reparented when caller died).
func waitHelpersGone(t *testing.T, caller int) {
	t.Helper()
	if !waittest.Until(5*time.Second, func() bool { return len(helpersOf(caller)) == 0 }) {
		t.Fatalf("helpers outlived their caller: %s", describe(helpersOf(caller)))
	}
}

// helpersOf lists the live helpers caller started: shims whose
// SYSPRIMS_SHIM names caller, and the guardian of caller's cgroup run
// directory (SYSPRIMS_GUARDIAN names the directory, which names caller;
// the guardian carries no other variable).
func helpersOf(caller int) []int {
	all, _ := proc.Snapshot(proc.Options{Fields: proc.FieldMarkers})
	runDir := owner.RunDirPrefix + strconv.Itoa(caller) + "-"
	var out []int
	for _, p := range all {
		if p.State.Gone() {
			continue
		}
		if dir, ok := p.Markers[owner.EnvGuardian]; ok && strings.HasPrefix(filepath.Base(dir), runDir) {
			out = append(out, p.PID)
		}
		if shim, ok := p.Markers[owner.EnvShim]; ok && shim == strconv.Itoa(caller) {
			out = append(out, p.PID)
		}
	}
	return out
}

// withoutKey returns env without entries for key.
func withoutKey(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func TestShimCallerExits(t *testing.T) { testCallerGone(t, string(MechanismSubreaper)+":exit") }

func TestCgroupCallerExits(t *testing.T) {
	if !Probe().Has(MechanismCgroup) {
		t.Skip("cgroup v2 unavailable")
	}
	testCallerGone(t, string(MechanismCgroup)+":exit")
}

func TestShimCallerKilled(t *testing.T) { testCallerKilled(t, MechanismSubreaper) }

// markersOf returns the SYSPRIMS_ markers of pid, nil when it is gone or
// unreadable.
func markersOf(pid int) map[string]string {
	p, err := proc.Get(pid, proc.Options{Fields: proc.FieldMarkers})
	if err != nil {
		return nil
	}
	return p.Markers
}
