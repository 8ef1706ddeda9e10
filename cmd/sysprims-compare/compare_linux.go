package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// options are the command-line flags.
type options struct {
	config
	scenarios, runners  string
	json, bench, matrix bool
	verbose, quiet      bool
	n                   int
	user                string // -user: who runs the subreaper rows when this runs as root
	benchMechanism      string // -bench-mechanism: only this mechanism's rows, no snapshots
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.timeout, "timeout", 300*time.Millisecond, "deadline of each run, from its start")
	fs.DurationVar(&o.grace, "grace", 300*time.Millisecond, "time between SIGTERM and SIGKILL")
	fs.DurationVar(&o.hang, "hang", 2*time.Second, "a runner that has not returned this long after deadline+grace is hung")
	fs.DurationVar(&o.settle, "settle", 200*time.Millisecond, "time killed processes get to disappear before they count as survivors")
	fs.DurationVar(&o.ready, "ready", 10*time.Second, "how long a scenario may take to report ready")
	fs.StringVar(&o.mechanism, "mechanism", "", "container mechanism for the sysprims runners (default: the strongest available)")
	fs.StringVar(&o.scenarios, "scenarios", "", "comma-separated scenario names (default all)")
	fs.StringVar(&o.runners, "runners", "", "comma-separated runner ids: "+strings.Join(runnerIDs(), ","))
	fs.BoolVar(&o.json, "json", false, "print one JSON document (schemas/compare-report.schema.json) instead of tables")
	fs.BoolVar(&o.matrix, "matrix", true, "run the scenario × runner matrix")
	fs.BoolVar(&o.bench, "bench", true, "run the benchmarks")
	fs.IntVar(&o.n, "n", 30, "benchmark repetitions (medians are reported)")
	fs.StringVar(&o.user, "user", "", "run as root, measure the subreaper rows as this unprivileged user (default: $SYSPRIMS_CI_USER, sysprims or nobody; none: as root)")
	fs.StringVar(&o.benchMechanism, "bench-mechanism", "", "benchmark only this mechanism, without the snapshots")
	fs.BoolVar(&o.verbose, "v", false, "list every leaked process")
	fs.BoolVar(&o.quiet, "q", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.timeout <= 0 || o.grace < 0 || o.hang <= 0 || o.n <= 0 {
		return o, fmt.Errorf("-timeout, -hang and -n must be positive, -grace not negative")
	}
	return o, nil
}

// reportSchemaID identifies the -json document
// (schemas/compare-report.schema.json).
const reportSchemaID = "https://schemas.3leaps.dev/sysprims-go/compare/v1.0.0/compare-report.schema.json"

// Report is the whole output, as printed with -json; it follows
// schemas/compare-report.schema.json.
type Report struct {
	SchemaID  string       `json:"schema_id"`
	Machine   Machine      `json:"machine"`
	Config    ConfigJSON   `json:"config"`
	Runners   []RunnerInfo `json:"runners,omitempty"`
	Cells     []Cell       `json:"cells,omitempty"`
	Summary   []Summary    `json:"summary,omitempty"`
	Bench     *Bench       `json:"bench,omitempty"`
	ElapsedMs float64      `json:"elapsed_ms"`
	Problems  []string     `json:"problems,omitempty"`
}

// ConfigJSON is the configuration in the JSON report.
type ConfigJSON struct {
	TimeoutMs float64 `json:"timeout_ms"`
	GraceMs   float64 `json:"grace_ms"`
	HangMs    float64 `json:"hang_ms"`
	SettleMs  float64 `json:"settle_ms"`
}

// RunnerInfo describes a column.
type RunnerInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	How     string `json:"how"`
	Skipped string `json:"skipped,omitempty"`
}

// Summary totals one runner's column.
type Summary struct {
	Runner      string  `json:"runner"`
	Cells       int     `json:"cells"`
	Clean       int     `json:"clean"` // cells with no survivor and no hang
	Survivors   int     `json:"survivors"`
	Hangs       int     `json:"hangs"`
	MaxReturnMs float64 `json:"max_return_ms"`
}

// compare is the program: it returns the exit code.
func compare(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "compare: %v\n", err)
		return 2
	}
	scs, rs, err := selection(o)
	if err != nil {
		fmt.Fprintf(stderr, "compare: %v\n", err)
		return 2
	}
	ctx, cancel := interruptible(stderr)
	defer cancel()
	rep := execute(ctx, o, scs, rs, progress(o, stderr))
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printReport(stdout, rep, scs, rs, o)
	}
	if len(rep.Problems) > 0 {
		return 1
	}
	return 0
}

// interruptible returns a context cancelled by the first SIGINT or
// SIGTERM; a second one kills the program as usual.
func interruptible(stderr io.Writer) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		defer signal.Stop(sigs)
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "compare: interrupted; finishing the current step so that nothing is left behind")
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// execute runs the matrix and the benchmarks as o asks.
// Cancelling ctx stops it between cells and benchmarks; every step that
// ran has cleaned up after itself.
func execute(ctx context.Context, o options, scs []scenario, rs []runner, logf func(string, ...any)) Report {
	begin, load := time.Now(), loadAvg()
	rep := Report{SchemaID: reportSchemaID, Config: ConfigJSON{ms(o.timeout), ms(o.grace), ms(o.hang), ms(o.settle)}}
	for _, r := range rs {
		rep.Runners = append(rep.Runners, RunnerInfo{r.ID, r.Name, r.How, r.avail()})
	}
	if o.matrix {
		rep.Cells = matrix(ctx, o.config, scs, rs, logf)
		rep.Summary = summarise(rep.Cells, rs)
	}
	if o.bench && ctx.Err() == nil {
		rep.Bench = benchmarks(ctx, o, logf)
	}
	rep.Machine = probeMachine(rep.Cells, load)
	rep.Problems = problems(rep)
	if ctx.Err() != nil {
		rep.Problems = append(rep.Problems, "interrupted: the results are partial")
	}
	rep.ElapsedMs = ms(time.Since(begin))
	return rep
}

// matrix runs every scenario under every runner.
func matrix(ctx context.Context, cfg config, scs []scenario, rs []runner, logf func(string, ...any)) []Cell {
	var cells []Cell
	total := len(scs) * len(rs)
	ready := map[string]float64{}
	for _, sc := range scs {
		for _, r := range rs {
			if ctx.Err() != nil {
				return cells
			}
			c := Cell{Scenario: sc.Name, Runner: r.Name, Skipped: r.avail(), ReadyMs: -1}
			if c.Skipped == "" {
				c = runCellFair(sc, r, cfg, ready)
			}
			cells = append(cells, c)
			logf("[%2d/%d] %-22s %-20s %s", len(cells), total, sc.Name, r.Name, cellText(c))
		}
	}
	return cells
}

func progress(o options, w io.Writer) func(string, ...any) {
	if o.quiet {
		return func(string, ...any) {}
	}
	return func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
}

func runnerIDs() []string {
	var ids []string
	for _, r := range runners() {
		ids = append(ids, r.ID)
	}
	return ids
}

// selection applies -scenarios and -runners.
func selection(o options) ([]scenario, []runner, error) {
	scs, err := pick(scenarios(), o.scenarios, func(s scenario) string { return s.Name })
	if err != nil {
		return nil, nil, fmt.Errorf("-scenarios: %w", err)
	}
	rs, err := pick(runners(), o.runners, func(r runner) string { return r.ID })
	if err != nil {
		return nil, nil, fmt.Errorf("-runners: %w", err)
	}
	return scs, rs, nil
}

// pick keeps the items named in the comma-separated list (all if empty),
// in their original order.
func pick[T any](all []T, list string, name func(T) string) ([]T, error) {
	if list == "" {
		return all, nil
	}
	want := strings.Split(list, ",")
	var known []string
	for _, t := range all {
		known = append(known, name(t))
	}
	for _, w := range want {
		if !slices.Contains(known, w) {
			return nil, fmt.Errorf("unknown name %q (known: %s)", w, strings.Join(known, ", "))
		}
	}
	var out []T
	for _, t := range all {
		if slices.Contains(want, name(t)) {
			out = append(out, t)
		}
	}
	return out, nil
}

func summarise(cells []Cell, rs []runner) []Summary {
	var out []Summary
	for _, r := range rs {
		s := Summary{Runner: r.Name}
		for _, c := range cells {
			if c.Runner != r.Name || c.Skipped != "" {
				continue
			}
			s.Cells++
			s.Survivors += c.Survivors
			if c.Hung {
				s.Hangs++
			}
			if c.Survivors == 0 && !c.Hung && c.Error == "" {
				s.Clean++
			}
			s.MaxReturnMs = max(s.MaxReturnMs, c.ReturnMs)
		}
		out = append(out, s)
	}
	return out
}

// problems lists what makes the run fail: a sysprims runner that left a
// survivor, hung or erred, or a harness that could not clean up.
func problems(rep Report) []string {
	var out []string
	for _, c := range rep.Cells {
		sys := strings.HasPrefix(c.Runner, "sysprims")
		switch {
		case sys && (c.Survivors > 0 || c.Hung || c.Error != ""):
			out = append(out, fmt.Sprintf("%s under %s: %s %s", c.Scenario, c.Runner, cellText(c), c.Error))
		case strings.HasPrefix(c.Error, "harness"):
			out = append(out, fmt.Sprintf("%s under %s: %s", c.Scenario, c.Runner, c.Error))
		}
	}
	if rep.Bench != nil {
		out = append(out, rep.Bench.Problems...)
	}
	return out
}
