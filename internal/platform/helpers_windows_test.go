package platform

// Child modes for the Windows tests: the test binary re-executes itself
// with wintestModeEnv set, runs the mode from init (before any test), and
// exits. Every mode reports readiness as one line on stdout; none sleeps
// for synchronisation (a mode that must stay alive blocks in a long sleep,
// which is its behaviour, not a wait for something).

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/3leaps/sysprims-go/internal/waittest"
	"golang.org/x/sys/windows"
)

const (
	wintestModeEnv = "SYSPRIMS_WINTEST_MODE"
	wintestArgEnv  = "SYSPRIMS_WINTEST_ARG"
	// The Windows tests' wait bounds, each scaled where it is used (by
	// waittest.Scale, or inside waittest.Until).
	lineTimeout = 60 * time.Second // Wine starts a Go binary in ~0.1-1 s
	goneTimeout = 10 * time.Second // a killed tree is gone in < 1 s under Wine
	exitLag     = 2 * time.Second  // from a job's empty count to handles signalled
)

func init() {
	mode := os.Getenv(wintestModeEnv)
	if mode == "" {
		return
	}
	arg := os.Getenv(wintestArgEnv)
	switch mode {
	case "tree":
		childTree(arg)
	case "spawner":
		childSpawner()
	case "middle":
		childMiddle(Mechanism(arg))
	case "graceful":
		childGraceful()
	case "exit":
		n, _ := strconv.Atoi(arg)
		os.Exit(n)
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", mode)
		os.Exit(2)
	}
	os.Exit(0)
}

// childCmd re-executes the test binary in mode with arg.
func childCmd(mode, arg string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), wintestModeEnv+"="+mode, wintestArgEnv+"="+arg)
	// No stderr of the test's: a child that outlives the test binary (a
	// deliberate escapee of the control tests, or one of Wine's own
	// stragglers) must not hold go test's output pipe open, which fails
	// the package with "Test I/O incomplete" although every test passed.
	return cmd
}

// childTree is mode "tree" with arg "depth,width": it starts width
// subtrees of depth-1 (depth 0: none), waits for their ready lines, prints
// "ready PID..." with every pid of its subtree (its own first), and then
// stays alive.
func childTree(arg string) {
	var depth, width int
	fmt.Sscanf(arg, "%d,%d", &depth, &width)
	pids := []int{os.Getpid()}
	for i := 0; depth > 0 && i < width; i++ {
		sub, err := startReady(childCmd("tree", fmt.Sprintf("%d,%d", depth-1, width)))
		if err != nil {
			fmt.Fprintln(os.Stderr, "tree:", err)
			os.Exit(3)
		}
		pids = append(pids, sub...)
	}
	fmt.Println("ready", joinInts(pids))
	time.Sleep(time.Hour)
}

// childSpawner is mode "spawner": spawnerWorkers goroutines start leaf
// children back to back, printing "child PID" for each, until the process
// is killed, so a kill lands while CreateProcess calls are in flight.
func childSpawner() {
	fmt.Println("ready", os.Getpid())
	for range spawnerWorkers - 1 {
		go spawnLoop()
	}
	spawnLoop()
}

const spawnerWorkers = 4

func spawnLoop() {
	for {
		cmd := childCmd("tree", "0,0")
		if err := cmd.Start(); err != nil {
			continue // killed mid-spawn: the job is being torn down
		}
		fmt.Println("child", cmd.Process.Pid)
	}
}

// childGraceful is mode "graceful": it reports ready, waits for a console
// interrupt (CTRL_BREAK_EVENT arrives as os.Interrupt), prints "break"
// and exits 0.
func childGraceful() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	fmt.Println("ready", os.Getpid())
	<-ch
	fmt.Println("break")
}

// childMiddle is mode "middle": it creates its own container (mech), starts
// a depth-1, width-2 tree in it, prints "ready MIDDLE TREEPIDS..." and
// stays alive until the test kills it, which closes its job handle.
func childMiddle(mech Mechanism) {
	c, err := newContainer(Spec{Mechanism: mech, Require: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "middle:", err)
		os.Exit(3)
	}
	cmd := childCmd("tree", "1,2")
	out, _ := cmd.StdoutPipe()
	if err := c.Start(cmd); err != nil {
		fmt.Fprintln(os.Stderr, "middle:", err)
		os.Exit(3)
	}
	pids, err := readReady(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "middle:", err)
		os.Exit(3)
	}
	fmt.Println("ready", os.Getpid(), joinInts(pids))
	time.Sleep(time.Hour)
}

// startReady starts cmd and returns the pids of its ready line.
func startReady(cmd *exec.Cmd) ([]int, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return readReady(out)
}

// readReady reads lines from r until "ready PID..." and returns the pids;
// it gives up after lineTimeout (scaled).
func readReady(r io.Reader) ([]int, error) {
	type result struct {
		pids []int
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) > 1 && f[0] == "ready" {
				pids, err := atois(f[1:])
				ch <- result{pids, err}
				return
			}
		}
		ch <- result{nil, fmt.Errorf("no ready line (%v)", sc.Err())}
	}()
	select {
	case r := <-ch:
		return r.pids, r.err
	case <-time.After(waittest.Scale(lineTimeout)):
		return nil, errors.New("timed out waiting for a ready line")
	}
}

func atois(fs []string) ([]int, error) {
	out := make([]int, 0, len(fs))
	for _, f := range fs {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " ")
}

// watch holds SYNCHRONIZE handles on pids so their deaths can be observed
// without confusing a reused pid with a survivor.
type watch map[int]windows.Handle

// watchPIDs opens a handle on every pid; a pid that cannot be opened has
// already exited and is left out.
func watchPIDs(t *testing.T, pids []int) watch {
	t.Helper()
	w := watch{}
	for _, pid := range pids {
		h, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_TERMINATE|
			windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
		if err != nil {
			t.Errorf("pid %d not alive when watched: %v", pid, err)
			continue
		}
		w[pid] = h
	}
	t.Cleanup(w.killAndClose)
	return w
}

// alive lists the watched pids still running.
func (w watch) alive() []int {
	var out []int
	for pid, h := range w {
		if alive(h) {
			out = append(out, pid)
		}
	}
	return out
}

// waitGone waits up to d (scaled) for every watched process to exit and
// returns the ones still alive.
func (w watch) waitGone(d time.Duration) []int {
	var left []int
	waittest.Until(d, func() bool { left = w.alive(); return len(left) == 0 })
	return left
}

// killAndClose kills any watched survivor (so no test leaks) and closes
// the handles.
func (w watch) killAndClose() {
	for _, h := range w {
		if alive(h) {
			windows.TerminateProcess(h, 9)
		}
		windows.CloseHandle(h)
	}
}

// inJob reports whether pid is in job (IsProcessInJob).
func inJob(pid int, job windows.Handle) (bool, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_INFORMATION, false, uint32(pid))
	if err != nil {
		return false, err
	}
	defer windows.CloseHandle(h)
	var res int32
	r, _, e := procIsProcessInJob.Call(uintptr(h), uintptr(job), uintptr(unsafe.Pointer(&res)))
	if r == 0 {
		return false, e
	}
	return res != 0, nil
}

var procIsProcessInJob = windows.NewLazySystemDLL("kernel32.dll").NewProc("IsProcessInJob")

// testBinaryProcs lists live processes running this test binary's image,
// other than this process, from a Toolhelp32 snapshot.
func testBinaryProcs(t *testing.T) map[int]int {
	t.Helper()
	exe, _ := os.Executable()
	base := exe[strings.LastIndexAny(exe, `\/`)+1:]
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer windows.CloseHandle(snap)
	out := map[int]int{}
	pe := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		name := windows.UTF16ToString(pe.ExeFile[:])
		if strings.EqualFold(name, base) && int(pe.ProcessID) != os.Getpid() {
			out[int(pe.ProcessID)] = int(pe.ParentProcessID)
		}
	}
	return out
}
