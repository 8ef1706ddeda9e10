package timeout

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// callerScript starts a tree of three long-running processes, one of them
// escaped into its own session, and prints their three pids.
const callerScript = `setsid sh -c 'echo $$; exec sleep 300' & sleep 300 & echo $!; echo $$; wait`

// callerMain is the helper mode: start callerScript through the engine with
// the mechanism named by mode, pass its pids to our stdout, and block until
// killed.
func callerMain(mode string) {
	if mode == deniedMode {
		deniedMain()
		return
	}
	cmd := exec.Command("sh", "-c", callerScript)
	cmd.Stdout = os.Stdout
	tr, err := Start(cmd, Config{Mechanism: platform.Mechanism(mode), Require: true})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	<-tr.Done()
	fmt.Println("error: root exited")
}

// TestCallerKilledStrandsNothing SIGKILLs a process that started a tree
// through the engine and checks that the tree dies with it.
func TestCallerKilledStrandsNothing(t *testing.T) {
	for _, m := range []platform.Mechanism{platform.MechanismCgroup, platform.MechanismSubreaper} {
		t.Run(string(m), func(t *testing.T) {
			if ok, why := available(m); !ok {
				t.Skipf("%s unavailable: %s", m, why)
			}
			pids := startCaller(t, m)
			if left := awaitGone(pids, 5*time.Second); len(left) > 0 {
				t.Errorf("processes %v outlived their killed caller", left)
			}
		})
	}
}

// startCaller runs the helper mode, waits for the tree's pids, then
// SIGKILLs the helper and reaps it.
func startCaller(t *testing.T, m platform.Mechanism) []int {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(m))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pids, err := readPids(out, 3)
	t.Cleanup(func() { killPids(pids) })
	if kerr := cmd.Process.Signal(syscall.SIGKILL); kerr != nil {
		t.Fatal(kerr)
	}
	_ = cmd.Wait() // killed: the error only says so
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// readPids reads n pid lines from r.
func readPids(r interface{ Read([]byte) (int, error) }, n int) ([]int, error) {
	var pids []int
	sc := bufio.NewScanner(r)
	for len(pids) < n && sc.Scan() {
		pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
		if err != nil {
			return pids, fmt.Errorf("helper said %q", sc.Text())
		}
		pids = append(pids, pid)
	}
	if len(pids) < n {
		return pids, fmt.Errorf("helper gave %d pids, want %d: %v", len(pids), n, sc.Err())
	}
	return pids, nil
}

// awaitGone polls until none of pids is alive (zombies count as dead) or
// d has passed, and returns those still alive.
func awaitGone(pids []int, d time.Duration) []int {
	var left []int
	waittest.Until(d, func() bool {
		left = slices.DeleteFunc(slices.Clone(pids), func(pid int) bool { return !pidAlive(pid) })
		return len(left) == 0
	})
	return left
}

// pidAlive reports whether pid exists and is not a zombie.
func pidAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// killPids SIGKILLs whatever of pids is still alive (test cleanup).
func killPids(pids []int) {
	for _, pid := range pids {
		if pid > 1 && pidAlive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
