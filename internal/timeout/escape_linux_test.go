package timeout

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/telemetry"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// hangBound is how long a test waits for a call that must not block,
// before it reports a hang (scaled where used). It bounds a failure, it
// times nothing.
const hangBound = 30 * time.Second

// TestRunReturnsAtRootExit runs a root that exits at once, leaving a
// daemon that holds its output pipe, with a WaitDelay of an hour: Run must
// return once the root has exited and the daemon is torn down, reporting
// the daemon as a leftover, instead of waiting for the pipe.
func TestRunReturnsAtRootExit(t *testing.T) {
	for _, m := range mechanisms {
		t.Run(string(m), func(t *testing.T) {
			if ok, why := available(m); !ok {
				t.Skipf("%s unavailable: %s", m, why)
			}
			var out bytes.Buffer
			cmd := exec.Command("sh", "-c", "sleep 300 & echo $!")
			cmd.Stdout = &out
			res := make(chan Outcome, 1)
			go func() {
				o, err := Run(cmd, Config{Mechanism: m, Require: true, WaitDelay: time.Hour})
				if err != nil {
					t.Error(err)
				}
				res <- o
			}()
			select {
			case o := <-res:
				checkDaemonRun(t, o, out.String())
			case <-time.After(waittest.Scale(hangBound)):
				t.Fatalf("Run did not return after the root exited: it waits for the daemon's pipe")
			}
		})
	}
}

// checkDaemonRun checks the outcome of a run whose root left one daemon.
func checkDaemonRun(t *testing.T, o Outcome, out string) {
	t.Helper()
	daemon, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("root said %q", out)
	}
	if o.ExitCode != 0 || len(o.Leftovers) != 1 || o.Leftovers[0].PID != daemon || len(o.Survivors) > 0 || o.Error != "" {
		t.Errorf("outcome %+v, want exit 0 and the daemon %d as the only leftover", o, daemon)
	}
	if pidAlive(daemon) {
		t.Errorf("daemon %d survived", daemon)
	}
}

// TestKilledExternally checks that an outcome says when a signal this
// engine did not send ended the root, and only then.
func TestKilledExternally(t *testing.T) {
	for _, m := range mechanisms {
		t.Run(string(m), func(t *testing.T) {
			if ok, why := available(m); !ok {
				t.Skipf("%s unavailable: %s", m, why)
			}
			tr := startTree(t, m, "sleep", "300")
			if err := syscall.Kill(tr.PID(), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			checkKilled(t, tr.Wait(0), "SIGKILL", true)
			checkKilled(t, startTree(t, m, "sleep", "300").Stop(), "SIGTERM", false)
			checkKilled(t, startTree(t, m, "sh", "-c", "kill -ABRT $$").Wait(0), "SIGABRT", false)
			tr = startTree(t, m, "sleep", "300")
			if err := tr.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			checkKilled(t, tr.Wait(0), "SIGINT", false)

			// exec.CommandContext's kill, once its context is done, is the
			// command's own doing: canceled, not external.
			ctx, cancel := context.WithCancel(context.Background())
			tr, err := Start(exec.CommandContext(ctx, "sleep", "300"), Config{Mechanism: m, Require: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { tr.Stop() })
			cancel()
			o := tr.Wait(0)
			checkKilled(t, o, "SIGKILL", false)
			if !o.Canceled {
				t.Errorf("a CommandContext kill: Canceled is false")
			}

			// A cancel does not excuse a signal it did not send: here
			// Cancel sends nothing, and another process's SIGTERM ends
			// the root.
			ctx, cancel = context.WithCancel(context.Background())
			cmd := exec.CommandContext(ctx, "sleep", "300")
			called := make(chan struct{})
			cmd.Cancel = func() error { close(called); return nil }
			if tr, err = Start(cmd, Config{Mechanism: m, Require: true}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { tr.Stop() })
			cancel()
			<-called
			if err := syscall.Kill(tr.PID(), syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			o = tr.Wait(0)
			checkKilled(t, o, "SIGTERM", true)
			if !o.Canceled {
				t.Errorf("a signal after a cancel: Canceled is false")
			}
		})
	}
}

// startTree starts a command with mechanism m (a program, not a shell
// that might catch an early signal before it execs) and stops it at the
// end of the test.
func startTree(t *testing.T, m platform.Mechanism, args ...string) *Tree {
	t.Helper()
	tr, err := Start(exec.Command(args[0], args[1:]...), Config{Mechanism: m, Require: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Stop() })
	return tr
}

// checkKilled checks how the root ended and whether the outcome blames
// someone else, and that the outcome follows the schema.
func checkKilled(t *testing.T, o Outcome, sig string, external bool) {
	t.Helper()
	if o.TermSignal != sig || o.KilledExternally != external {
		t.Errorf("term_signal %q killed_externally %v, want %q %v", o.TermSignal, o.KilledExternally, sig, external)
	}
	checkSchema(t, o)
}

// migrantDir makes a cgroup outside any sysprims run directory for
// migrants to move to; its processes are killed and it is removed at the
// end of the test. It skips the test unless the cgroup v2 mechanism is
// available (which needs root here).
func migrantDir(t *testing.T) string {
	t.Helper()
	if ok, why := available(platform.MechanismCgroup); !ok {
		t.Skipf("cgroup v2 unavailable: %s", why)
	}
	c := platform.Probe()
	dir := filepath.Join(c.CgroupMount, c.CgroupSelf, fmt.Sprintf("engine-migrants-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
		// the killed processes take a moment to leave the cgroup
		waittest.Until(5*time.Second, func() bool { return syscall.Rmdir(dir) != syscall.EBUSY })
	})
	return dir
}

// migrantTree starts script through the cgroup mechanism with $MIG set to
// dir and returns the tree and a reader of its stdout. Its grace bounds
// how long a member that moves out on SIGTERM gets to do so.
func migrantTree(t *testing.T, dir, script string) (*Tree, *bufio.Reader, io.Writer) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(os.Environ(), "MIG="+dir)
	return pipedTree(t, cmd, Config{Mechanism: platform.MechanismCgroup, Require: true, Grace: waittest.Scale(5 * time.Second)})
}

// pipedTree starts cmd with cfg and returns the tree, a reader of its
// stdout and a writer to its stdin; it stops the tree at the end of the
// test.
func pipedTree(t *testing.T, cmd *exec.Cmd, cfg Config) (*Tree, *bufio.Reader, io.Writer) {
	t.Helper()
	out, in := pipes(t, cmd)
	tr, err := Start(cmd, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Stop() })
	return tr, out, in
}

// pipes connects cmd's stdout and stdin to the test.
func pipes(t *testing.T, cmd *exec.Cmd) (*bufio.Reader, io.Writer) {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	return bufio.NewReader(out), in
}

// readPid reads one pid line.
func readPid(t *testing.T, r *bufio.Reader) int {
	t.Helper()
	line, err := r.ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		t.Fatalf("tree said %q, %v", line, err)
	}
	return pid
}

// TestMigrantUnseenIsReported: a member that moves itself out of its leaf
// before the engine ever saw it is reported as a migrant and a survivor,
// the outcome is best_effort, and it is not killed (nothing proves it is
// the tree's but its marker).
func TestMigrantUnseenIsReported(t *testing.T) {
	dir := migrantDir(t)
	tr, out, _ := migrantTree(t, dir, `sh -c 'echo $$ > "$MIG/cgroup.procs" && echo $$ && exec sleep 300' & wait`)
	pid := readPid(t, out)
	o := tr.Stop()
	if o.TreeKillReliability != platform.BestEffort || !hasPID(o.Survivors, pid) {
		t.Errorf("outcome %q, survivors %v: want best_effort with migrant %d a survivor", o.TreeKillReliability, o.Survivors, pid)
	}
	if !hasPID(o.Migrants, pid) {
		t.Errorf("migrants %v, want %d", o.Migrants, pid)
	}
	if !pidAlive(pid) {
		t.Errorf("migrant %d was killed on its marker alone", pid)
	}
	checkSchema(t, o)
}

// TestMigrantSeenIsKilled: a member the engine listed in its leaf, then
// moved out, is killed by its identity and reported.
func TestMigrantSeenIsKilled(t *testing.T) {
	dir := migrantDir(t)
	tr, out, in := migrantTree(t, dir, `sleep 300 & echo $!; read x; echo $! > "$MIG/cgroup.procs" && echo moved; wait`)
	pid := readPid(t, out)
	if ms, err := tr.Members(); err != nil || !hasPID(ms, pid) {
		t.Fatalf("members %v, %v: want %d", ms, err, pid)
	}
	if _, err := io.WriteString(in, "go\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := out.ReadString('\n'); line != "moved\n" {
		t.Fatalf("tree said %q, %v", line, err)
	}
	checkMigrantKilled(t, tr.Stop(), pid)
}

// TestMigrantLeavingOnTermIsKilled: a member that moves out when the
// teardown's SIGTERM reaches it is killed through the pidfd the container
// kept when it signalled it.
func TestMigrantLeavingOnTermIsKilled(t *testing.T) {
	dir := migrantDir(t)
	script := `sh -c 'trap "echo \$\$ > \"\$MIG/cgroup.procs\"; exec sleep 300" TERM; echo $$; while :; do sleep 1; done' & wait`
	tr, out, _ := migrantTree(t, dir, script)
	pid := readPid(t, out)
	checkMigrantKilled(t, tr.Stop(), pid)
}

// checkMigrantKilled checks that the outcome reports pid as a migrant,
// says best_effort, and that pid is dead and no survivor.
func checkMigrantKilled(t *testing.T, o Outcome, pid int) {
	t.Helper()
	if o.TreeKillReliability != platform.BestEffort || hasPID(o.Survivors, pid) || pidAlive(pid) {
		t.Errorf("outcome %q, survivors %v, migrant %d alive %v: want best_effort and the migrant killed",
			o.TreeKillReliability, o.Survivors, pid, pidAlive(pid))
	}
	if !hasPID(o.Migrants, pid) {
		t.Errorf("migrants %v, want %d", o.Migrants, pid)
	}
	checkSchema(t, o)
}

func hasPID(ps []proc.ProcessInfo, pid int) bool {
	return slices.ContainsFunc(ps, func(p proc.ProcessInfo) bool { return p.PID == pid })
}

// TestProcessGroupSparesMarkerCopies: a process outside the tree that
// carries the tree's marker (copied into its environment; not in the
// process group, not seen in it, not below this process) is reported as a
// survivor of a process-group teardown, never signalled: a marker alone
// proves nothing.
func TestProcessGroupSparesMarkerCopies(t *testing.T) {
	if ok, why := available(platform.MechanismProcessGroup); !ok {
		t.Skipf("process group unavailable: %s", why)
	}
	cmd := exec.Command("sh", "-c", "echo up; read x")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var rec telemetry.Recorder
	tr, err := Start(cmd, Config{Mechanism: platform.MechanismProcessGroup, Require: true, Grace: time.Second, Logger: rec.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Stop(); stdin.Close() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "up\n" {
		t.Fatalf("tree said %q, %v", line, err)
	}
	decoy := exec.Command("sh", "-c", `setsid sh -c 'exec sleep 300' </dev/null >/dev/null 2>&1 & echo $!`)
	decoy.Env = append(os.Environ(), TreeIDEnv+"="+tr.TreeID())
	out, err := decoy.Output()
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killPids([]int{pid}) })
	if p, err := proc.Get(pid, proc.Options{}); err != nil || p.PPID == os.Getpid() {
		t.Fatalf("the decoy %d is below this process (%v): the test needs one outside", pid, err)
	}
	o := tr.Stop()
	if !pidAlive(pid) {
		t.Errorf("the decoy %d, which only copied the tree's marker, was killed", pid)
	}
	if !hasPID(o.Survivors, pid) || o.TreeKillReliability != platform.BestEffort {
		t.Errorf("outcome %q, survivors %v: want the decoy %d reported", o.TreeKillReliability, o.Survivors, pid)
	}
	evs := rec.Events(telemetry.MemberEscaped)
	if len(evs) != 1 || !strings.HasPrefix(evs[0].Attrs["member"], "pid "+strconv.Itoa(pid)+" ") ||
		evs[0].Attrs["killed"] != "false" || !strings.Contains(evs[0].Attrs["escape"], "outlived the process_group teardown") {
		t.Errorf("member_escaped events %+v, want one for the decoy %d, not killed", evs, pid)
	}
}
