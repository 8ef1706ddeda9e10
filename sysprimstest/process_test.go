//go:build unix

package sysprimstest

import (
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"github.com/3leaps/sysprims-go/process"
)

func TestRequireGuaranteedSkips(t *testing.T) {
	rec := NewRecorder("TestNeedsJob")
	other := process.MechanismJobObject
	if runtime.GOOS == "windows" {
		other = process.MechanismCgroupV2
	}
	p := Start(rec, fixtures.Command("sleeper"), WithMechanism(other), RequireGuaranteed())
	if errs := rec.Close(); errs != "" || !strings.Contains(rec.Skipped(), "needs a guaranteed teardown") || strings.Count(rec.Skipped(), "sysprims:") != 1 {
		t.Errorf("errors %q, skipped %q", errs, rec.Skipped())
	}
	if p.ExitCode() != 127 {
		t.Errorf("exit code of a process that never started: %d", p.ExitCode())
	}
}

// TestTimedOutProcess times out one sleeper and checks, each in its own
// subtest, what a running and then a timed-out Process reports.
func TestTimedOutProcess(t *testing.T) {
	rec := NewRecorder("TestSlow")
	defer rec.Close()
	p := Start(rec, fixtures.Command("sleeper"), WithHangReport(50*time.Millisecond), WithGrace(waittest.Scale(time.Second)))
	t.Run("running", func(t *testing.T) {
		if code, _, exited := p.ExitStatus(); exited || code != -1 || p.ExitCode() != -1 || p.Result() != nil {
			t.Fatalf("running process: exit %d exited %v result %v", code, exited, p.Result())
		}
	})
	res := p.Wait(300 * time.Millisecond)
	t.Run("hang report names the tree", func(t *testing.T) {
		logs := strings.Join(rec.Logs(), "\n")
		if !strings.Contains(logs, "still waiting for") || !strings.Contains(logs, "started by TestSlow") {
			t.Errorf("no hang report naming the tree in logs:\n%s", logs)
		}
	})
	t.Run("result says timed out", func(t *testing.T) {
		if !res.TimedOut || res.Signal != syscall.SIGTERM || !strings.Contains(res.String(), "timed out") {
			t.Errorf("result %v", res)
		}
	})
	t.Run("exit status", func(t *testing.T) {
		if code, sig, exited := p.ExitStatus(); !exited || code != -1 || sig != syscall.SIGTERM {
			t.Errorf("ExitStatus() = %d %v %v", code, sig, exited)
		}
		if p.ExitCode() != 128+int(syscall.SIGTERM) {
			t.Errorf("ExitCode %d", p.ExitCode())
		}
	})
	t.Run("result is kept", func(t *testing.T) {
		if p.Result() != res || p.Wait(time.Second) != res {
			t.Errorf("Result %p, want %p", p.Result(), res)
		}
	})
	t.Run("gomega strings", func(t *testing.T) {
		if !strings.Contains(p.GomegaString(), p.TreeID()) || res.GomegaString() != res.String() {
			t.Errorf("GomegaString: %q %q", p.GomegaString(), res.GomegaString())
		}
	})
	t.Run("signal after teardown", func(t *testing.T) {
		if err := p.Signal(syscall.SIGTERM); err == nil {
			t.Error("Signal after teardown gave no error")
		}
	})
}

func TestResultStrings(t *testing.T) {
	for _, c := range []struct {
		r    Result
		want string
	}{
		{Result{ExitCode: 0, Mechanism: "cgroup_v2", Reliability: "guaranteed"}, "exit 0 after 0s (cgroup_v2, guaranteed)"},
		{Result{ExitCode: -1, Signal: syscall.SIGKILL, Mechanism: "m", Reliability: "r"}, "killed by SIGKILL after 0s (m, r)"},
		{Result{TimedOut: true, Leftovers: make([]process.Info, 2), Survivors: make([]process.Info, 1), Mechanism: "m", Reliability: "r"},
			"timed out after 0s (m, r, 2 left behind, 1 SURVIVED)"},
		{Result{ExitCode: -1, Signal: syscall.SIGKILL, KilledExternally: true, Mechanism: "m", Reliability: "r"},
			"killed by SIGKILL from outside sysprims after 0s (m, r)"},
		{Result{ExitCode: -1, Signal: syscall.SIGKILL, Canceled: true, Mechanism: "m", Reliability: "r"},
			"canceled, killed by SIGKILL after 0s (m, r)"},
		{Result{ExitCode: -1, Signal: syscall.SIGTERM, Canceled: true, KilledExternally: true, Mechanism: "m", Reliability: "r"},
			"killed by SIGTERM from outside sysprims after 0s (after a cancel) (m, r)"},
		{Result{ExitCode: 0, Migrants: make([]process.Info, 1), Survivors: make([]process.Info, 1), Mechanism: "m", Reliability: "best_effort"},
			"exit 0 after 0s (m, best_effort, 1 moved out of the container, 1 SURVIVED)"},
		{Result{ExitCode: -1, ContainerLost: "the subreaper shim 5 died", Survivors: make([]process.Info, 1), Mechanism: "subreaper", Reliability: "best_effort"},
			"exit -1 after 0s (subreaper, best_effort, container lost, 1 SURVIVED)"},
	} {
		if got := c.r.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestRunCapturesAndDescendants(t *testing.T) {
	r := listen(t)
	cmd := fixtures.Command("grandchild")
	r.Attach(cmd)
	p := Start(t, cmd)
	if _, err := r.Await(3, waittest.Scale(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	members, err := p.Members()
	if err != nil || len(members) < 3 {
		t.Fatalf("Descendants: %d members, %v", len(members), err)
	}
	byMarker, err := treeProcesses(p.TreeID())
	if err != nil || len(byMarker) != 3 {
		t.Errorf("TreeProcesses: %v, %v", byMarker, err)
	}
	kids, err := Descendants(p.Pid())
	if err != nil || len(kids) != 2 {
		t.Errorf("Descendants(pid): %v, %v", kids, err)
	}
	if err := p.Signal(syscall.SIGCONT); err != nil {
		t.Errorf("Signal: %v", err)
	}
	res := p.Stop()
	if len(res.Survivors) > 0 || res.JSON() == nil || !strings.Contains(string(res.JSON()), `"schema_id"`) {
		t.Errorf("Stop: %v %s", res, res.JSON())
	}
	assertGone(t, r)
}

// TestResultSaysKilledFromOutside kills a root behind the library's back:
// the Result says so, in its field and in its one-line summary.
func TestResultSaysKilledFromOutside(t *testing.T) {
	p := Start(t, exec.Command("sleep", "300"))
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	r := p.Wait(waittest.Scale(time.Minute))
	if !r.KilledExternally || r.Signal != syscall.SIGKILL || !strings.Contains(r.String(), "killed by SIGKILL from outside sysprims") {
		t.Errorf("result %q (killed externally: %v), want SIGKILL from outside", r, r.KilledExternally)
	}
	if r := Start(t, exec.Command("sleep", "300")).Stop(); r.KilledExternally {
		t.Errorf("Stop's own SIGTERM blamed on someone else: %s", r)
	}
}

// The log of leftovers says which the teardown removed: one that also
// survived is not called removed.
func TestReportSaysWhichLeftoversSurvived(t *testing.T) {
	a := process.Info{PID: 101, StartTimeUnixMs: 1, Name: "gone"}
	b := process.Info{PID: 102, StartTimeUnixMs: 1, Name: "stuck"}
	for _, tc := range []struct {
		survivors []process.Info
		want      string
	}{
		{nil, "leaving 2 process(es); removed ("},
		{[]process.Info{b}, "leaving 2 process(es); 1 removed, 1 survived ("},
	} {
		rec := NewRecorder("TestLeftovers")
		p := &Process{t: rec, name: "sh", s: defaults()}
		p.report(&Result{Mechanism: process.MechanismProcessGroup, Leftovers: []process.Info{a, b}, Survivors: tc.survivors})
		if logs := rec.Logs(); len(logs) != 1 || !strings.Contains(logs[0], tc.want) {
			t.Errorf("logs %q, want one containing %q", logs, tc.want)
		}
		if len(tc.survivors) != len(rec.Errors()) {
			t.Errorf("errors %q for %d survivors", rec.Errors(), len(tc.survivors))
		}
	}
}
