package platform

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// advScript starts an adversarial tree and prints one pid per member it
// wants checked, then "ready": a child, a grandchild, a setsid escape, a
// TERM-ignoring member and a member that stops itself.
const advScript = `
sleep 300 & echo $!
sh -c 'sleep 300 & echo $!; wait' &
setsid sh -c 'echo $$; sleep 300 & echo $!; wait' &
sh -c 'trap "" TERM; sleep 300 & echo $!; wait' &
sh -c 'echo $$; kill -STOP $$' &
echo ready
wait
`

// advPIDs is how many pid lines advScript prints.
const advPIDs = 6

// testTree is a started tree plus what the test recorded about it.
type testTree struct {
	c      Container
	tag    string        // value of SYSPRIMS_PTEST in every member
	pids   map[int]int64 // reported pids and their start keys
	rundir string        // the cgroup run directory a helper reported
	lines  *bufio.Scanner
}

func newTag() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// startScript starts sh -c script in c and reads want pid lines and
// "ready". The tree's members carry SYSPRIMS_PTEST=<tag>, which the
// container is not told about, so the survivor check is independent.
func startScript(t testing.TB, c Container, script string, want int) *testTree {
	t.Helper()
	tt := &testTree{c: c, tag: newTag(), pids: make(map[int]int64)}
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(os.Environ(), "SYSPRIMS_PTEST="+tt.tag)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.WaitDelay = waittest.Scale(time.Second)
	if err := c.Start(cmd); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { tt.cleanup(t) })
	tt.lines = newLineScanner(out)
	tt.read(t, want)
	return tt
}

// read consumes lines until want pids and "ready" were seen.
func (tt *testTree) read(t testing.TB, want int) {
	t.Helper()
	ready := false
	for (!ready || len(tt.pids) < want) && tt.lines.Scan() {
		line := strings.TrimSpace(tt.lines.Text())
		if line == "ready" {
			ready = true
			continue
		}
		if dir, ok := strings.CutPrefix(line, "rundir "); ok {
			tt.rundir = dir
			continue
		}
		if pid, err := strconv.Atoi(line); err == nil {
			tt.pids[pid], _ = startKey(pid)
		}
	}
	if len(tt.pids) < want || !ready {
		t.Fatalf("tree reported %d of %d pids (ready %v)", len(tt.pids), want, ready)
	}
}

// survivors scans /proc independently of the container: every live
// process carrying the tag, and every reported pid still alive with its
// recorded start.
func (tt *testTree) survivors() []int {
	var out []int
	seen := make(map[int]bool)
	all, _ := proc.Snapshot(proc.Options{Fields: proc.FieldMarkers})
	for _, p := range all {
		if p.State.Gone() {
			continue
		}
		if s, ok := tt.pids[p.PID]; p.Markers["SYSPRIMS_PTEST"] == tt.tag || (ok && s == p.StartTimeUnixMs) {
			if !seen[p.PID] {
				seen[p.PID] = true
				out = append(out, p.PID)
			}
		}
	}
	return out
}

// waitNoSurvivors polls the independent scan until nothing is left.
func (tt *testTree) waitNoSurvivors(t testing.TB, d time.Duration) {
	t.Helper()
	if !waittest.Until(d, func() bool { return len(tt.survivors()) == 0 }) {
		t.Fatalf("survivors: %s", describe(tt.survivors()))
	}
}

// cleanup closes the container and kills, by pid, anything the
// independent scan still finds, so a failing test leaks nothing.
func (tt *testTree) cleanup(t testing.TB) {
	tt.c.Close()
	for _, pid := range tt.survivors() {
		t.Errorf("cleanup: killing leftover %s", describe([]int{pid}))
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// describe renders pids with their stat lines for failure output.
func describe(pids []int) string {
	var b strings.Builder
	for _, pid := range pids {
		s, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		b.WriteString("\n  " + strings.TrimSpace(string(s)))
	}
	return b.String()
}

// contains reports whether pids holds pid.
func contains(pids []int, pid int) bool {
	for _, p := range pids {
		if p == pid {
			return true
		}
	}
	return false
}

// waitStopped waits until pid is in state T (stopped).
func waitStopped(t testing.TB, pid int) {
	t.Helper()
	stopped := func() bool {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		return i > 0 && strings.HasPrefix(s[i+2:], "T")
	}
	if !waittest.Until(5*time.Second, stopped) {
		t.Fatalf("pid %d never stopped", pid)
	}
}

func ctxFor(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func newLineScanner(r io.Reader) *bufio.Scanner { return bufio.NewScanner(r) }

// mustNew makes the container spec asks for (spec.Require is set) and
// fails t unless it has mechanism spec.Mechanism and reliability rel.
func mustNew(t testing.TB, spec Spec, rel Reliability) Container {
	t.Helper()
	spec.Require = true
	c, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mechanism() != spec.Mechanism || c.Reliability() != rel {
		t.Fatalf("got %s/%s", c.Mechanism(), c.Reliability())
	}
	return c
}

// assertHeld fails t for every process of tt that c does not list as a
// member.
func assertHeld(t testing.TB, c Container, tt *testTree) {
	t.Helper()
	// A children file can miss a process while it is being reparented
	// (the kernel calls them exact only for stopped trees), so a member
	// that is not listed is looked for again, for a bounded time.
	var ms []int
	missing := 0
	held := func() bool {
		var err error
		if ms, err = c.Members(); err != nil {
			t.Fatal(err)
		}
		missing = 0
		for pid := range tt.pids {
			if !contains(ms, pid) {
				missing = pid
			}
		}
		return missing == 0
	}
	if !waittest.Until(time.Second, held) {
		t.Fatalf("member %d missing from %v", missing, ms)
	}
}

// mustEmpty waits up to 5 s for c to hold no live member.
func mustEmpty(t testing.TB, c Container) {
	t.Helper()
	ctx, cancel := ctxFor(waittest.Scale(5 * time.Second))
	defer cancel()
	if err := c.WaitEmpty(ctx); err != nil {
		t.Fatal(err)
	}
}

// eachMechanism runs fn in a subtest per Linux mechanism available here,
// each with a new container made from spec (Mechanism and Require set).
func eachMechanism(t *testing.T, spec Spec, fn func(t *testing.T, c Container)) {
	for _, m := range []Mechanism{MechanismCgroup, MechanismSubreaper, MechanismProcessGroup} {
		t.Run(string(m), func(t *testing.T) {
			if !Probe().Has(m) {
				t.Skipf("%s unavailable", m)
			}
			spec.Mechanism = m
			fn(t, mustNew(t, spec, ReliabilityOf(m)))
		})
	}
}
