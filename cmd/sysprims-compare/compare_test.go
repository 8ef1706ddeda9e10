//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/schematest"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

func TestMain(m *testing.M) {
	fixtures.Main()
	os.Exit(m.Run())
}

// testConfig is small but leaves room for a loaded CI machine: the
// bounds (hang, settle, ready) are scaled with waittest.Scale; a runner
// counts as hung only waittest.Scale(5s) after its deadline and grace.
func testConfig() config {
	return config{timeout: 500 * time.Millisecond, grace: 300 * time.Millisecond,
		hang: waittest.Scale(5 * time.Second), settle: waittest.Scale(200 * time.Millisecond), ready: waittest.Scale(20 * time.Second)}
}

func scenarioNamed(t *testing.T, name string) scenario {
	t.Helper()
	for _, s := range scenarios() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no scenario %q", name)
	return scenario{}
}

func runnerNamed(t *testing.T, id string) runner {
	t.Helper()
	for _, r := range runners() {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no runner %q", id)
	return runner{}
}

// leftovers lists live processes carrying any trial variable of this
// test process, which must be none once a cell is over.
func leftovers() []live {
	prefix := []byte(trialEnv + "=" + itoa(os.Getpid()) + "-")
	var out []live
	for _, pid := range pids() {
		b, err := os.ReadFile("/proc/" + itoa(pid) + "/environ")
		if err == nil && bytes.Contains(b, prefix) {
			out = append(out, alive([]int{pid})...)
		}
	}
	return out
}

func checkNothingLeft(t *testing.T, c Cell) {
	t.Helper()
	if left := leftovers(); len(left) > 0 {
		t.Errorf("%s/%s: %d process(es) left after the cell: %v", c.Scenario, c.Runner, len(left), left)
	}
	if c.Error != "" {
		t.Errorf("%s/%s: %s", c.Scenario, c.Runner, c.Error)
	}
}

func TestSysprimsRunnersLeaveNoSurvivor(t *testing.T) {
	for _, name := range []string{"setsid", "holds-stdout", "ignore-term"} {
		for _, id := range []string{"run", "start"} {
			c := runCellFair(scenarioNamed(t, name), runnerNamed(t, id), testConfig(), map[string]float64{})
			if c.Survivors != 0 || c.Hung {
				t.Errorf("%s under %s: %s; leaked %v", name, c.Runner, cellText(c), c.Leaked)
			}
			if c.Mechanism == "" || c.Late {
				t.Errorf("%s under %s: mechanism %q, late %v", name, c.Runner, c.Mechanism, c.Late)
			}
			checkNothingLeft(t, c)
		}
	}
}

// The table must be able to fail: exec.CommandContext kills the direct
// child only, so the setsid escapee survives it.
func TestCommandContextLeaksSetsidEscapee(t *testing.T) {
	c := runCellFair(scenarioNamed(t, "setsid"), runnerNamed(t, "context"), testConfig(), map[string]float64{})
	if c.Survivors == 0 {
		t.Errorf("exec.CommandContext left no survivor in the setsid scenario: %+v", c)
	}
	if c.Cleaned < c.Survivors {
		t.Errorf("cleanup killed %d of %d survivors", c.Cleaned, c.Survivors)
	}
	checkNothingLeft(t, c)
}

// A peer that blocks on a pipe a grandchild holds is reported as hung,
// then released by the cleanup.
func TestGexecHangsOnHeldStdout(t *testing.T) {
	cfg := testConfig()
	cfg.hang = 500 * time.Millisecond
	c := runCellFair(scenarioNamed(t, "holds-stdout"), runnerNamed(t, "gexec"), cfg, map[string]float64{})
	if !c.Hung || c.Survivors == 0 {
		t.Errorf("gexec on holds-stdout: %s, want hung with a survivor", cellText(c))
	}
	checkNothingLeft(t, c)
}

// loadReportSchema loads schemas/compare-report.schema.json.
func loadReportSchema(t *testing.T) *schematest.Schema {
	t.Helper()
	s, err := schematest.Load(filepath.Join("..", "..", "schemas", "compare-report.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validateReport checks a -json document against the report schema.
func validateReport(t *testing.T, data []byte) {
	t.Helper()
	if err := loadReportSchema(t).Validate(data); err != nil {
		t.Errorf("report does not match the schema: %v\n%s", err, data)
	}
}

func TestCompareJSON(t *testing.T) {
	var out, errb bytes.Buffer
	code := compare([]string{"-json", "-bench=false", "-q", "-timeout=500ms",
		"-scenarios=grandchild,orphans", "-runners=killpg,timeout,start"}, &out, &errb)
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d, bad JSON %v: %s\n%s", code, err, out.String(), errb.String())
	}
	validateReport(t, out.Bytes())
	if code != 0 || len(rep.Problems) > 0 {
		t.Errorf("exit %d, problems %v, stderr %s", code, rep.Problems, errb.String())
	}
	if len(rep.Cells) != 6 || len(rep.Summary) != 3 {
		t.Fatalf("%d cells, %d summaries, want 6 and 3", len(rep.Cells), len(rep.Summary))
	}
	if rep.Machine.Mechanism == "" || rep.Machine.CPUs == 0 {
		t.Errorf("machine not described: %+v", rep.Machine)
	}
	if s := rep.Summary[2]; s.Survivors != 0 || s.Clean != 2 {
		t.Errorf("sysprims Start: %+v", s)
	}
	for _, c := range rep.Cells {
		checkNothingLeft(t, c)
	}
}

// TestReportSchemaRejects makes sure the schema can fail a wrong report.
func TestReportSchemaRejects(t *testing.T) {
	s := loadReportSchema(t)
	id := `"schema_id":"` + reportSchemaID + `",`
	machine := `"machine":{"kernel":"Linux 6.1","cpus":2,"go":"go1.26","sysprims_mechanism":"cgroup_v2",` +
		`"sysprims_reliability":"guaranteed","sysprims_available":["cgroup_v2"],"load_start":0.5,"load_end":0.5},`
	config := `"config":{"timeout_ms":300,"grace_ms":300,"hang_ms":2000,"settle_ms":200},`
	good := `{` + id + machine + config + `"elapsed_ms":1}`
	if err := s.Validate([]byte(good)); err != nil {
		t.Fatalf("minimal report rejected: %v", err)
	}
	cell := `{"scenario":"setsid","runner":"sysprims Run","survivors":0,"hung":false,"return_ms":1,"ready_ms":-1,"timeout_ms":300,"cleaned":0`
	bad := []struct{ name, doc string }{
		{"missing schema_id", `{` + machine + config + `"elapsed_ms":1}`},
		{"wrong schema_id", `{"schema_id":"x",` + machine + config + `"elapsed_ms":1}`},
		{"unknown field", `{` + id + machine + config + `"elapsed_ms":1,"extra":1}`},
		{"missing config", `{` + id + machine + `"elapsed_ms":1}`},
		{"unknown runner", `{` + id + machine + config + `"elapsed_ms":1,"runners":[{"id":"nope","name":"sysprims Run","how":"h"}]}`},
		{"capitalised runner keys", `{` + id + machine + config + `"elapsed_ms":1,"runners":[{"ID":"run","Name":"sysprims Run","How":"h"}]}`},
		{"negative survivors", `{` + id + machine + config + `"elapsed_ms":1,"cells":[` + strings.Replace(cell, `"survivors":0`, `"survivors":-1`, 1) + `}]}`},
		{"unknown cell field", `{` + id + machine + config + `"elapsed_ms":1,"cells":[` + cell + `,"color":"red"}]}`},
		{"bad mechanism", `{` + id + machine + config + `"elapsed_ms":1,"cells":[` + cell + `,"mechanism":"chroot"}]}`},
		{"bench without mechanisms", `{` + id + machine + config + `"elapsed_ms":1,"bench":{"processes":1,"snapshot_floor_ms":1,` +
			`"snapshot_ms":1,"snapshot_cmdline_markers_ms":1,"raw_exec_true_ms":1,"tree_size":1,"grace_ms":1,"reps":1,"tree_reps":1}}`},
	}
	for _, tt := range bad {
		if err := s.Validate([]byte(tt.doc)); err == nil {
			t.Errorf("%s: validated", tt.name)
		}
	}
}

// TestReportSchemaID checks that the schema file's $id is reportSchemaID.
func TestReportSchemaID(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "schemas", "compare-report.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.ID != reportSchemaID {
		t.Errorf("$id %q, want %q (%v)", doc.ID, reportSchemaID, err)
	}
}

func TestCompareTable(t *testing.T) {
	var out, errb bytes.Buffer
	code := compare([]string{"-bench=false", "-timeout=500ms", "-v",
		"-scenarios=grandchild", "-runners=context,run"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"| grandchild (3)", "exec.CommandContext", "sysprims Run",
		"**leaked (total)**", "0 ✓", "leaked", "Machine: Linux", "mechanism:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errb.String(), "[ 2/2]") {
		t.Errorf("no progress lines: %s", errb.String())
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-runners=nope"}, {"-scenarios=nope"}, {"-timeout=0"}, {"extra"}} {
		var out, errb bytes.Buffer
		if code := compare(args, &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
}

func TestBenchmarksSmall(t *testing.T) {
	program := filepath.Join(t.TempDir(), "compare")
	build := exec.Command("go", "build", "-o", program, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	programPath = func() (string, error) { return program, nil }
	t.Cleanup(func() { programPath = os.Executable })
	b := &Bench{Reps: 3, TreeSize: 10, GraceMs: 300, TreeReps: 1}
	b.snapshots(3)
	b.RawRunMs = b.rawRun(3)
	m := string(platform.Probe().Best())
	mb := b.mechanism(m, 300*time.Millisecond, 3)
	b.Mechanisms = append(b.Mechanisms, mb)
	if len(b.Problems) > 0 {
		t.Fatalf("problems: %v", b.Problems)
	}
	if b.Processes == 0 || b.SnapshotMs <= 0 || b.RawRunMs <= 0 || mb.RunMs <= 0 {
		t.Errorf("missing numbers: %+v", b)
	}
	// Timings are not asserted (benchmarks, not timed tests), except
	// that a tree ignoring SIGTERM cannot be gone before the grace.
	if mb.IgnoreMs < 300 || mb.HonourMs <= 0 {
		t.Errorf("%s: teardown honour %.1f ms, ignore %.1f ms (grace 300 ms)", m, mb.HonourMs, mb.IgnoreMs)
	}
	rep, err := json.Marshal(Report{SchemaID: reportSchemaID, Machine: probeMachine(nil, loadAvg()), Bench: b})
	if err != nil {
		t.Fatal(err)
	}
	validateReport(t, rep)
	var out bytes.Buffer
	printBench(&out, b)
	if !strings.Contains(out.String(), "| Run(/bin/true) ["+m) {
		t.Errorf("bench table:\n%s", out.String())
	}
}

func TestCellText(t *testing.T) {
	for _, tc := range []struct {
		c    Cell
		want string
	}{
		{Cell{ReturnMs: 310}, "0 ✓ 0.31s"},
		{Cell{Survivors: 3, ReturnMs: 300}, "3 leaked 0.30s"},
		{Cell{Hung: true, Survivors: 1}, "hung, 1 leaked"},
		{Cell{Hung: true}, "hung"},
		{Cell{Skipped: "x"}, "skipped"},
		{Cell{Skipped: notRun}, "not run"},
		{Cell{Error: "boom"}, "error"},
		{Cell{ReturnMs: 10, Late: true}, "0 ✓ 0.01s *"},
		{Cell{ReturnMs: 500, Retried: true}, "0 ✓ 0.50s †"},
	} {
		if got := cellText(tc.c); got != tc.want {
			t.Errorf("cellText(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

// An interrupted run stops between cells and says its results are partial.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o, err := parseFlags([]string{"-q"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	scs, rs := scenarios()[:1], runners()[:2]
	rep := execute(ctx, o, scs, rs, func(string, ...any) {})
	if len(rep.Cells) != 0 || rep.Bench != nil || len(rep.Problems) != 1 {
		t.Fatalf("cells %d, bench %v, problems %v", len(rep.Cells), rep.Bench, rep.Problems)
	}
	if err := loadReportSchema(t).ValidateValue(rep); err != nil {
		t.Errorf("interrupted report does not match the schema: %v", err)
	}
	var out bytes.Buffer
	rep.Cells = []Cell{{Scenario: scs[0].Name, Runner: rs[0].Name, ReturnMs: 5}}
	printReport(&out, rep, scs, rs, o)
	for _, want := range []string{"0 ✓ 0.01s", "| not run", "PROBLEM: interrupted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestSubreaperRowsAsUnprivileged checks that, run as root, the subreaper
// rows come from a run as an unprivileged user, with that run's own floor,
// and that the report validates.
func TestSubreaperRowsAsUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: as any other user the rows are that user's anyway")
	}
	if !slices.Contains(platform.Probe().Mechanisms, platform.MechanismSubreaper) {
		t.Skip("no subreaper mechanism here")
	}
	u, err := unprivilegedUser("")
	if u == nil {
		t.Skipf("no unprivileged user: %v", err)
	}
	program := filepath.Join(t.TempDir(), "compare")
	build := exec.Command("go", "build", "-o", program, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	programPath = func() (string, error) { return program, nil }
	t.Cleanup(func() { programPath = os.Executable })
	b := &Bench{Reps: 3, TreeSize: treeSize, GraceMs: 300, TreeReps: 1}
	o := options{n: 3, benchMechanism: unprivilegedMechanism}
	o.grace = 300 * time.Millisecond
	b2 := benchmarks(context.Background(), o, t.Logf)
	if len(b2.Problems) > 0 || len(b2.Notes) > 0 || len(b2.Mechanisms) != 1 {
		t.Fatalf("problems %v, notes %v, rows %+v", b2.Problems, b2.Notes, b2.Mechanisms)
	}
	mb := b2.Mechanisms[0]
	if mb.Mechanism != unprivilegedMechanism || !strings.Contains(mb.User, "uid "+u.Uid) || mb.RawRunMs <= 0 || mb.RunMs <= 0 || mb.IgnoreMs < 300 {
		t.Errorf("row %+v", mb)
	}
	b.Mechanisms = b2.Mechanisms
	rep, err := json.Marshal(Report{SchemaID: reportSchemaID, Machine: probeMachine(nil, loadAvg()), Bench: b})
	if err != nil {
		t.Fatal(err)
	}
	validateReport(t, rep)
	var out bytes.Buffer
	printBench(&out, b)
	if !strings.Contains(out.String(), "as "+u.Username) {
		t.Errorf("table does not say who ran the rows:\n%s", out.String())
	}
}

func TestUnprivilegedUserNone(t *testing.T) {
	if u, err := unprivilegedUser("none"); u != nil || err != nil {
		t.Errorf("-user=none: %v, %v", u, err)
	}
	if _, err := unprivilegedUser("no-such-user-here"); err == nil {
		t.Error("an unknown -user was accepted")
	}
}
