package sysprimstest

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/schematest"
	"github.com/3leaps/sysprims-go/internal/timeout"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"github.com/3leaps/sysprims-go/process"
)

// resultSchema is schemas/timeout-result.schema.json; validation is
// serialised (schematest.Schema resolves $refs lazily).
var (
	resultSchema = sync.OnceValues(func() (*schematest.Schema, error) {
		return schematest.Load(filepath.Join("..", "schemas", "timeout-result.schema.json"))
	})
	schemaMu sync.Mutex
)

// checkJSON fails t unless r.JSON() follows the timeout-result schema.
func checkJSON(t *testing.T, r *Result) {
	t.Helper()
	s, err := resultSchema()
	if err != nil {
		t.Fatal(err)
	}
	b := r.JSON()
	schemaMu.Lock()
	err = s.Validate(b)
	schemaMu.Unlock()
	if err != nil {
		t.Errorf("Result.JSON() does not follow the schema: %v\n%s", err, b)
	}
}

// Result.JSON of real runs follows the published schema. Before, a run
// with nothing left behind wrote "leftovers": null and "survivors": null,
// which the schema rejects.
func TestResultJSONFollowsSchema(t *testing.T) {
	t.Run("completed", func(t *testing.T) {
		res := Run(t, waittest.Scale(time.Minute), fixtures.Command("exit", "3"))
		if res.ExitCode != 3 {
			t.Fatalf("result %v", res)
		}
		checkJSON(t, res)
	})
	t.Run("timed out", func(t *testing.T) {
		res := Run(t, 100*time.Millisecond, fixtures.Command("sleeper"), WithGrace(time.Second))
		if !res.TimedOut {
			t.Fatalf("result %v", res)
		}
		checkJSON(t, res)
	})
	t.Run("leftovers", func(t *testing.T) {
		r := listen(t)
		cmd := fixtures.Command("orphans")
		r.Attach(cmd)
		res := Run(t, waittest.Scale(time.Minute), cmd)
		if len(res.Leftovers) == 0 || len(res.Survivors) > 0 {
			t.Fatalf("result %v", res)
		}
		checkJSON(t, res)
	})
	t.Run("stopped", func(t *testing.T) {
		p := Start(t, fixtures.Command("sleeper"))
		checkJSON(t, p.Stop())
	})
}

// JSON is nil for a command that never started and for a Result the
// package did not make, rather than a document the schema rejects.
func TestResultJSONNil(t *testing.T) {
	rec := NewRecorder("TestMissing")
	if res := Run(rec, time.Second, exec.Command("/nonexistent/sysprims")); res.Err == nil || res.JSON() != nil {
		t.Errorf("never started: %v, JSON %s", res, res.JSON())
	}
	if b := (&Result{Mechanism: process.MechanismCgroupV2}).JSON(); b != nil {
		t.Errorf("made by hand: JSON %s", b)
	}
}

// A bad option fails Start and Run with the option's error, starts
// nothing, and leaves a Process that has ended: ExitCode 127, Exited
// closed, Result.Err wrapping ErrInvalidOption. Before, a nil Option
// panicked with a nil dereference and the others were accepted.
func TestBadOptionStartsNothing(t *testing.T) {
	r := listen(t)
	for _, opt := range []Option{nil, WithSignal(99), WithSignal(0), WithMechanism("cgroup"),
		WithGrace(0), WithGrace(-time.Second), WithHangReport(-1), IgnoreName("x")} {
		rec := NewRecorder("TestBad")
		cmd := fixtures.Command("sleeper")
		r.Attach(cmd)
		p := Start(rec, cmd, opt)
		errs := rec.Close()
		if !strings.Contains(errs, "invalid option") || rec.Skipped() != "" {
			t.Errorf("%v: errors %q, skipped %q", opt, errs, rec.Skipped())
		}
		if p.Pid() != 0 || p.ExitCode() != 127 || !errors.Is(p.Result().Err, ErrInvalidOption) {
			t.Errorf("%v: pid %d, exit code %d, result %v", opt, p.Pid(), p.ExitCode(), p.Result())
		}
		select {
		case <-p.Exited():
		default:
			t.Errorf("%v: Exited not closed", opt)
		}
		cmd = fixtures.Command("sleeper")
		r.Attach(cmd)
		if res := Run(rec, time.Second, cmd, opt); !errors.Is(res.Err, ErrInvalidOption) {
			t.Errorf("%v: Run gave %v", opt, res)
		}
	}
	if rep := r.Reports(); len(rep) != 0 {
		t.Errorf("started %v", rep)
	}
}

// RequireGuaranteed with the process group mechanism is an error, not a
// skip: a skip would hide a test that can never run.
func TestRequireGuaranteedProcessGroupFails(t *testing.T) {
	rec := NewRecorder("TestContradiction")
	Start(rec, fixtures.Command("sleeper"), WithMechanism(process.MechanismProcessGroup), RequireGuaranteed())
	if errs := rec.Close(); !strings.Contains(errs, "always best_effort") || rec.Skipped() != "" {
		t.Errorf("errors %q, skipped %q", errs, rec.Skipped())
	}
}

// A mechanism this machine lacks, asked for without RequireGuaranteed,
// falls back to the strongest one there is, and the Result says which.
func TestUnavailableMechanismFallsBack(t *testing.T) {
	missing := process.MechanismJobObject
	if platform.Probe().Has(missing) {
		missing = process.MechanismCgroupV2
	}
	if platform.Probe().Has(missing) {
		t.Skip("every mechanism is available here")
	}
	res := Run(t, waittest.Scale(time.Minute), fixtures.Command("exit"), WithMechanism(missing))
	if res.Err != nil || res.Mechanism == missing || !res.Mechanism.Valid() {
		t.Errorf("asked for %s: %v", missing, res)
	}
}

// A file that is not executable reports 126 through ExitCode, as a shell
// does; one that does not exist, 127.
func TestExitCodeOfCommandsThatNeverRan(t *testing.T) {
	rec := NewRecorder("TestNotExecutable")
	defer rec.Close()
	dir := t.TempDir()
	if p := Start(rec, exec.Command(dir)); p.ExitCode() != 126 || !errors.Is(p.Result().Err, timeout.ErrNotExecutable) {
		t.Errorf("a directory: exit code %d, %v", p.ExitCode(), p.Result())
	}
	if p := Start(rec, exec.Command(filepath.Join(dir, "missing"))); p.ExitCode() != 127 {
		t.Errorf("a missing file: exit code %d, %v", p.ExitCode(), p.Result())
	}
}

// The public fields are the gatherer's, bit for bit.
func TestFieldsMatchTheGatherer(t *testing.T) {
	for f, want := range map[Field]proc.Field{FieldCmdline: proc.FieldCmdline, FieldExe: proc.FieldExe,
		FieldUser: proc.FieldUser, FieldMarkers: proc.FieldMarkers} {
		if proc.Field(f) != want {
			t.Errorf("Field %d is proc.Field %d", f, want)
		}
	}
}
