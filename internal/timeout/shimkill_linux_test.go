package timeout

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"golang.org/x/sys/unix"
)

// escapeThenKillShim starts an escapee in a session of its own (which
// prints "esc PID" and sends its output away), then, once a line comes
// on stdin, SIGKILLs the root's parent: the subreaper shim. Once kill
// returns, the shim runs no more code: it cannot signal the tree on its
// way out. (Waiting for the line keeps the kill after Start returned:
// a root that kills the shim before the shim names it makes Start fail,
// see TestStartLostNamesMarked.)
const escapeThenKillShim = `setsid sh -c 'echo esc $$; exec sleep 300 >/dev/null 2>&1' & read x; kill -9 $PPID; `

// shimTree starts script under the subreaper shim and returns the tree
// and its stdout and stdin; it stops the tree at the end of the test.
func shimTree(t *testing.T, script string) (*Tree, *bufio.Reader, io.Writer) {
	t.Helper()
	if ok, why := available(platform.MechanismSubreaper); !ok {
		t.Skipf("subreaper unavailable: %s", why)
	}
	return pipedTree(t, exec.Command("sh", "-c", script), Config{Mechanism: platform.MechanismSubreaper, Require: true, Grace: waittest.Scale(5 * time.Second)})
}

// readTags reads lines of the form "TAG [PID]" until each of tags was
// seen, in any order, and returns the pid after each (0 for a bare tag).
// Each pid is killed at the end of the test, if still alive.
func readTags(t *testing.T, r *bufio.Reader, tags ...string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for len(got) < len(tags) {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("tree said %v, then %v; want %v", got, err, tags)
		}
		tag, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		if rest == "" {
			got[tag] = 0
			continue
		}
		pid, err := strconv.Atoi(rest)
		if err != nil {
			t.Fatalf("tree said %q", line)
		}
		got[tag] = pid
		t.Cleanup(func() { killPids([]int{pid}) })
	}
	return got
}

// goAhead writes the line the root waits for before it kills the shim.
func goAhead(t *testing.T, in io.Writer) {
	t.Helper()
	if _, err := io.WriteString(in, "go\n"); err != nil {
		t.Fatal(err)
	}
}

// checkShimLost checks that the outcome says the shim was lost, is
// best_effort, and follows the schema.
func checkShimLost(t *testing.T, o Outcome) {
	t.Helper()
	if o.TreeKillReliability != platform.BestEffort || !strings.Contains(o.ContainerLost, "subreaper shim") {
		t.Errorf("reliability %q, container_lost %q: want best_effort and the shim's death named", o.TreeKillReliability, o.ContainerLost)
	}
	checkSchema(t, o)
}

// TestShimKilledRootExitsReportsEscapee: the root starts an escapee,
// kills the shim and exits. The outcome must say the container was lost
// (best_effort) and name the escapee, found by its marker, as a
// survivor; nothing proves the escapee is the tree's but the marker, so
// it is left running.
func TestShimKilledRootExitsReportsEscapee(t *testing.T) {
	tr, out, in := shimTree(t, escapeThenKillShim+`exit 0`)
	esc := readTags(t, out, "esc")["esc"]
	goAhead(t, in)
	o := tr.Wait(0)
	checkShimLost(t, o)
	if !hasPID(o.Survivors, esc) {
		t.Errorf("survivors %v: want the escapee %d", o.Survivors, esc)
	}
	if !pidAlive(esc) {
		t.Errorf("the escapee %d, known only by its marker, was killed", esc)
	}
}

// TestShimKilledRootRunsIsKilled: the root kills the shim and runs on.
// The tree is still running until the root exits; Stop kills the root
// by the identity taken at spawn and reports the escapee.
func TestShimKilledRootRunsIsKilled(t *testing.T) {
	tr, out, in := shimTree(t, escapeThenKillShim+`echo killed; exec sleep 300 >/dev/null 2>&1`)
	esc := readTags(t, out, "esc")["esc"]
	t.Cleanup(func() { killPids([]int{tr.PID()}) })
	goAhead(t, in)
	readTags(t, out, "killed")
	if _, ok := tr.Exit(); ok {
		t.Errorf("the root counts as exited once the shim is gone; it runs")
	}
	o := tr.Stop()
	checkShimLost(t, o)
	if pidAlive(tr.PID()) || hasPID(o.Survivors, tr.PID()) {
		t.Errorf("root %d alive %v, survivors %v: want the root killed", tr.PID(), pidAlive(tr.PID()), o.Survivors)
	}
	if !hasPID(o.Survivors, esc) || !pidAlive(esc) {
		t.Errorf("survivors %v, escapee alive %v: want the escapee %d reported, not killed", o.Survivors, pidAlive(esc), esc)
	}
}

// TestShimKilledSeenMemberIsKilled: a member the engine listed while the
// shim held it is killed by that identity once the shim is gone.
func TestShimKilledSeenMemberIsKilled(t *testing.T) {
	tr, out, in := shimTree(t, escapeThenKillShim+`echo killed; exec sleep 300 >/dev/null 2>&1`)
	esc := readTags(t, out, "esc")["esc"]
	t.Cleanup(func() { killPids([]int{tr.PID()}) })
	if ms, err := tr.Members(); err != nil || !hasPID(ms, esc) {
		t.Fatalf("members %v, %v: want %d", ms, err, esc)
	}
	goAhead(t, in)
	readTags(t, out, "killed")
	o := tr.Stop()
	checkShimLost(t, o)
	if pidAlive(esc) || hasPID(o.Survivors, esc) || pidAlive(tr.PID()) {
		t.Errorf("escapee %d alive %v, root alive %v, survivors %v: want both killed", esc, pidAlive(esc), pidAlive(tr.PID()), o.Survivors)
	}
}

// TestStartLostNamesMarked: a container lost before it named the root
// (the command killed the shim at once) fails Start, and the error names
// what carries the tree's marker, left running.
func TestStartLostNamesMarked(t *testing.T) {
	f := &fakeContainer{lose: true}
	useFake(t, f)
	_, err := Start(exec.Command("sleep", "300"), Config{})
	if f.lost == nil || f.lost.Process == nil {
		t.Fatalf("the fake started nothing: %v", err)
	}
	pid := f.lost.Process.Pid
	t.Cleanup(func() { _ = f.lost.Process.Kill(); _ = f.lost.Wait() })
	var se *StartError
	if !errors.As(err, &se) || !errors.Is(err, platform.ErrLost) {
		t.Fatalf("error %v: want a *StartError wrapping platform.ErrLost", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "pid "+strconv.Itoa(pid)+" ") || !strings.Contains(msg, "sleep 300") {
		t.Errorf("error does not name pid %d, sleep 300:\n%s", pid, msg)
	}
	if !pidAlive(pid) {
		t.Errorf("pid %d, known only by its marker, was killed", pid)
	}
}

// TestShimStoppedDoesNotHang: a root that stops its subreaper shim
// (SIGSTOP), before the shim named it or later, holds up neither Start
// nor Stop: a wait for the shim's answer wakes it (SIGCONT), and the
// tree is torn down as usual. Start and Stop hung for ever.
func TestShimStoppedDoesNotHang(t *testing.T) {
	if ok, why := available(platform.MechanismSubreaper); !ok {
		t.Skipf("subreaper unavailable: %s", why)
	}
	cmd := exec.Command("sh", "-c", `kill -STOP $PPID; echo shim $PPID; read x; kill -STOP $PPID; echo stopped; exec sleep 300`)
	r, in := pipes(t, cmd)
	started := make(chan error, 1)
	var tr *Tree
	go func() {
		var err error
		tr, err = Start(cmd, Config{Mechanism: platform.MechanismSubreaper, Require: true, Grace: waittest.Scale(5 * time.Second)})
		started <- err
	}()
	shim := readTags(t, r, "shim")["shim"]
	select {
	case err := <-started:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waittest.Scale(20 * time.Second)):
		syscall.Kill(shim, syscall.SIGCONT)
		if err := <-started; err == nil {
			tr.Stop()
		}
		t.Fatalf("Start hung: shim %d stopped before it named the root", shim)
	}
	t.Cleanup(func() { tr.Stop() })
	t.Cleanup(func() { syscall.Kill(shim, syscall.SIGCONT) }) // first: let a hung teardown go on
	goAhead(t, in)
	readTags(t, r, "stopped")
	root := tr.PID()
	stopped := make(chan Outcome, 1)
	go func() { stopped <- tr.Stop() }()
	select {
	case o := <-stopped:
		if o.TreeKillReliability != platform.Guaranteed || o.ContainerLost != "" || len(o.Survivors) > 0 || pidAlive(root) {
			t.Errorf("outcome %+v, root alive %v: want the tree torn down, guaranteed", o, pidAlive(root))
		}
	case <-time.After(waittest.Scale(20 * time.Second)):
		t.Fatalf("Stop hung: shim %d stopped", shim)
	}
}

// TestShimTracedDoesNotHang: a subreaper shim held by ptrace (what a
// member may do where Yama does not forbid it), which SIGCONT does not
// wake, holds Stop up only for the shim's answer bound: the shim is then
// killed, the container is lost, and the root is torn down by its
// identity. Stop waited for ever, and the traced shim outlived the test
// binary with its tree.
func TestShimTracedDoesNotHang(t *testing.T) {
	tr, out, _ := shimTree(t, `echo shim $PPID; exec sleep 300`)
	shim := readTags(t, out, "shim")["shim"]
	root := tr.PID()
	detach := traceAll(t, shim)
	stopped := make(chan Outcome, 1)
	go func() { stopped <- tr.Stop() }()
	select {
	case o := <-stopped:
		checkShimLost(t, o)
		if !strings.Contains(o.ContainerLost, "did not answer") || pidAlive(root) {
			t.Errorf("container_lost %q, root %d alive %v: want the silent shim named and the root killed", o.ContainerLost, root, pidAlive(root))
		}
	case <-time.After(waittest.Scale(30 * time.Second)):
		detach()
		t.Fatalf("Stop hung: shim %d traced", shim)
	}
}

// traceAll attaches ptrace to every thread of pid from one locked OS
// thread, and returns a func that detaches what is still attached.
func traceAll(t *testing.T, pid int) (detach func()) {
	t.Helper()
	tids, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	attached, release := make(chan error), make(chan struct{})
	go func() {
		runtime.LockOSThread() // ptrace requests come from the tracer thread; never unlocked: the thread ends with the goroutine
		var ids []int
		for _, e := range tids {
			tid, _ := strconv.Atoi(e.Name())
			if err := unix.PtraceAttach(tid); err != nil {
				attached <- fmt.Errorf("ptrace attach %d: %w", tid, err)
				return
			}
			ids = append(ids, tid)
		}
		attached <- nil
		<-release
		for _, tid := range ids {
			_ = unix.PtraceDetach(tid)
		}
	}()
	if err := <-attached; err != nil {
		t.Skipf("cannot trace the shim here: %v", err)
	}
	detach = sync.OnceFunc(func() { close(release) })
	t.Cleanup(detach)
	return detach
}
