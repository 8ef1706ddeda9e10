//go:build unix

package sysprimstest

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/telemetry"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"github.com/3leaps/sysprims-go/process"
)

// TestWithLoggerTeardown: a tree that ignores SIGTERM is reported
// started, signalled and escalated, each event naming the tree.
func TestWithLoggerTeardown(t *testing.T) {
	var rec telemetry.Recorder
	tb := NewRecorder("TestStubborn")
	defer tb.Close()
	cmd := exec.Command("sh", "-c", `trap "" TERM; sleep 60`)
	res := Run(tb, 100*time.Millisecond, cmd, WithGrace(100*time.Millisecond), WithLogger(rec.Logger()))
	if !res.outcome.Escalated {
		t.Fatalf("result %v, want an escalation", res)
	}
	root := rec.Events(EventTreeStarted)[0].Attrs[telemetry.KeyPID] // the root, not a helper
	if root == "" || root == "0" {
		t.Fatalf("tree_started without the root's pid: %+v", rec.Events(""))
	}
	var names []string
	for _, e := range rec.Events("") {
		if e.Name == EventFallbackChosen { // unprivileged: the subreaper, cgroup v2 was missing
			if e.Attrs[telemetry.KeyTreeID] == "" || e.Attrs["why"] == "" || res.Mechanism == process.MechanismCgroupV2 {
				t.Errorf("fallback %+v with mechanism %s", e, res.Mechanism)
			}
			continue
		}
		names = append(names, e.Name)
		if e.Attrs[telemetry.KeyTreeID] == "" || e.Attrs[telemetry.KeyPID] != root {
			t.Errorf("event %+v does not name tree and root %s", e, root)
		}
	}
	want := []string{EventTreeStarted, EventSignalSent, EventEscalated}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("events %v, want %v", names, want)
	}
	started := rec.Events(EventTreeStarted)[0].Attrs
	if started[telemetry.KeyMechanism] != string(res.Mechanism) || started[telemetry.KeyReliability] != string(res.Reliability) {
		t.Errorf("tree_started %v, result %v", started, res)
	}
}

// TestSetLoggerAndFallback: the package default reaches an entry point
// given no WithLogger; WithLogger(nil) silences one; asking for a
// mechanism this system lacks is reported as a fallback with the reason.
func TestSetLoggerAndFallback(t *testing.T) {
	var rec telemetry.Recorder
	SetLogger(rec.Logger())
	defer SetLogger(nil)
	tb := NewRecorder("TestDefault")
	defer tb.Close()
	missing := process.MechanismJobObject // never on a unix system
	Run(tb, waittest.Scale(time.Second), exec.Command("true"), WithMechanism(missing))
	Run(tb, waittest.Scale(time.Second), exec.Command("true"), WithLogger(nil))
	if n := len(rec.Events(EventTreeStarted)); n != 1 {
		t.Errorf("%d tree_started events, want 1 (WithLogger(nil) silences)", n)
	}
	fb := rec.Events(EventFallbackChosen)
	if len(fb) != 1 || fb[0].Attrs["requested"] != string(missing) || !strings.Contains(fb[0].Attrs["why"], "job_object: not available on "+runtime.GOOS) {
		t.Errorf("fallback events %+v", fb)
	}
}

// TestLeakFoundEvents: a leak check emits one leak_found per process and
// per descriptor it names.
func TestLeakFoundEvents(t *testing.T) {
	var rec telemetry.Recorder
	tb := NewRecorder("TestLeaky")
	VerifyNoLeaks(tb, WithLogger(rec.Logger()), WithDescriptors())
	p := Start(NewRecorder("TestLeaky"), exec.Command("sh", "-c", "echo up; exec sleep 60"))
	<-p.Buffer().Detect("up")
	p.Buffer().CancelDetects()
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	errs := tb.Close()
	f.Close()
	kinds := map[string]string{}
	for _, e := range rec.Events(EventLeakFound) {
		kinds[e.Attrs["kind"]] = e.Attrs["what"]
		if e.Attrs[telemetry.KeyTest] != "TestLeaky" {
			t.Errorf("event %+v", e)
		}
	}
	if !strings.HasPrefix(kinds["process"], "pid "+strconv.Itoa(p.Pid())+" ") {
		t.Errorf("leak_found events %+v, want the tree's root %d; report:\n%s", rec.Events(""), p.Pid(), errs)
	}
	if runtime.GOOS == "linux" && !strings.Contains(kinds["descriptor"], "file "+os.DevNull) {
		t.Errorf("leak_found events %+v, want the descriptor", rec.Events(""))
	}
}
