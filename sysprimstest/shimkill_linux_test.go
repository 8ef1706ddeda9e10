package sysprimstest

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/process"
)

// envShimKiller runs TestShimKillerBody in a child test binary; its value
// tags the sleep the tree leaves.
const envShimKiller = "SYSPRIMS_TEST_SHIM_KILLER"

// TestShimKilledFailsTheTest runs a test whose tree kills its subreaper
// shim, leaving an escapee: the test must fail, naming the escapee (pid
// and command) and the shim's death. It once passed, and the escapee
// lived on under init.
func TestShimKilledFailsTheTest(t *testing.T) {
	if !platform.Probe().Has(platform.MechanismSubreaper) {
		t.Skip("subreaper unavailable")
	}
	tag := newDaemonTag()
	text := runShimKiller(t, tag)
	_, rest, ok := strings.Cut(text, "escapee pid ")
	pid, _, _ := strings.Cut(rest, "\n")
	if !ok || !strings.Contains(text, "--- FAIL: TestShimKillerBody") {
		t.Fatalf("the child test did not fail, or named no escapee:\n%s", text)
	}
	if !survivorNamed(text, "pid "+pid+" ", "sleep 300."+tag) {
		t.Errorf("no survivor line naming pid %s, sleep 300.%s:\n%s", pid, tag, text)
	}
	if !strings.Contains(text, "subreaper shim") || !strings.Contains(text, "best_effort") {
		t.Errorf("the shim's death and best_effort not told:\n%s", text)
	}
}

// envShimKillerNoMarker makes TestShimKillerBody's escapee drop its
// environment, and with it the tree's marker.
const envShimKillerNoMarker = "SYSPRIMS_TEST_SHIM_KILLER_NO_MARKER"

// TestShimKilledWithoutMarkerFailsTheTest: an escapee that dropped the
// tree's marker cannot be found once the shim is gone; the test fails all
// the same, saying the container was lost. It passed, and the escapee
// lived on unnamed.
func TestShimKilledWithoutMarkerFailsTheTest(t *testing.T) {
	if !platform.Probe().Has(platform.MechanismSubreaper) {
		t.Skip("subreaper unavailable")
	}
	text := runShimKiller(t, newDaemonTag(), envShimKillerNoMarker+"=1")
	if !strings.Contains(text, "--- FAIL: TestShimKillerBody") || !strings.Contains(text, "lost its container") {
		t.Errorf("the child test did not fail for its lost container:\n%s", text)
	}
}

// runShimKiller runs TestShimKillerBody in a child test binary with tag
// and env, checks that it failed, and returns its output; the escapee is
// killed at the end of the test.
func runShimKiller(t *testing.T, tag string, env ...string) string {
	t.Helper()
	t.Cleanup(func() { killDaemons(t, tag) })
	cmd := exec.Command(os.Args[0], "-test.run=^TestShimKillerBody$", "-test.v", "-test.count=1")
	cmd.Env = append(append(os.Environ(), envShimKiller+"="+tag), env...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want 1", err)
	}
	return string(out)
}

// survivorNamed reports whether the survived-teardown failure names a
// process with all of words on one line.
func survivorNamed(text string, words ...string) bool {
	_, after, ok := strings.Cut(text, "survived teardown")
	if !ok {
		return false
	}
	for _, line := range strings.Split(after, "\n") {
		n := 0
		for _, w := range words {
			if strings.Contains(line, w) {
				n++
			}
		}
		if n == len(words) {
			return true
		}
	}
	return false
}

// TestShimKillerBody is the body of TestShimKilledFailsTheTest: its tree
// starts an escapee, then kills the shim and exits.
func TestShimKillerBody(t *testing.T) {
	tag := os.Getenv(envShimKiller)
	if tag == "" {
		t.Skip("runs only inside TestShimKilledFailsTheTest")
	}
	env := ""
	if os.Getenv(envShimKillerNoMarker) != "" {
		env = "env -i "
	}
	cmd := exec.Command("sh", "-c", `setsid `+env+`sh -c 'echo $$; exec sleep 300.`+tag+` >/dev/null 2>&1' & read x; kill -9 $PPID`)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := Start(t, cmd, WithMechanism(process.MechanismSubreaper), RequireGuaranteed())
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no escapee pid: %q, %v", line, err)
	}
	t.Logf("escapee pid %s", strings.TrimSpace(line))
	if _, err := io.WriteString(in, "go\n"); err != nil {
		t.Fatal(err)
	}
	p.Wait(0)
}
