//go:build linux

package platform

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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
	mech, how, _ := strings.Cut(mode, ":")
	c, err := New(Spec{Mechanism: Mechanism(mech), Require: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd := exec.Command("sh", "-c", advScript)
	cmd.Stdout = os.Stdout
	cmd.Env = slicesDeleteKey(os.Environ(), envMode)
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
	tt := &testTree{tag: newTag(), pids: make(map[int]uint64)}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envMode+"="+mode, "SYSPRIMS_PTEST="+tt.tag)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, pid := range tt.survivors() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	tt.lines = newLineScanner(out)
	tt.read(t, advPIDs)
	if strings.HasSuffix(mode, ":exit") {
		in.Write([]byte("go\n"))
	} else {
		cmd.Process.Kill()
	}
	cmd.Wait()
	tt.waitNoSurvivors(t, 5*time.Second)
	waitHelpersGone(t, cmd.Process.Pid)
	if strings.HasPrefix(mode, string(MechanismCgroup)) {
		left, _ := filepath.Glob(filepath.Join(cgroupBase(Probe()), runDirPrefix+strconv.Itoa(cmd.Process.Pid)+"-*"))
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
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := helpersOf(caller)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("helpers outlived their caller: %s", describe(left))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// helpersOf lists the live helpers caller started: shims whose
// SYSPRIMS_SHIM names caller, and the guardian of caller's cgroup run
// directory (SYSPRIMS_GUARDIAN names the directory, which names caller;
// the guardian carries no other variable).
func helpersOf(caller int) []int {
	all, _ := scanEntries(nil)
	runDir := runDirPrefix + strconv.Itoa(caller) + "-"
	var out []int
	for _, e := range all {
		if e.gone {
			continue
		}
		env := readEnviron(e.pid)
		if hasKey(env, envGuardian) && strings.HasPrefix(filepath.Base(kvValue(env, envGuardian)), runDir) {
			out = append(out, e.pid)
		}
		if hasKey(env, envShim) && strings.HasSuffix(kvValue(env, envShim), " "+strconv.Itoa(caller)) {
			out = append(out, e.pid)
		}
	}
	return out
}

func kvValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

func TestShimCallerExits(t *testing.T) { testCallerGone(t, string(MechanismSubreaper)+":exit") }

func TestCgroupCallerExits(t *testing.T) {
	if !Probe().Has(MechanismCgroup) {
		t.Skip("cgroup v2 unavailable")
	}
	testCallerGone(t, string(MechanismCgroup)+":exit")
}

func TestShimCallerKilled(t *testing.T) { testCallerKilled(t, MechanismSubreaper) }
