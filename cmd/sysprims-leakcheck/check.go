package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
)

// checkFields are gathered for the current snapshot of check: markers and
// the owner decide the scope, the command line names the process.
const checkFields = proc.FieldCmdline | proc.FieldUser | proc.FieldMarkers

// checkOpts are the parsed flags of check.
type checkOpts struct {
	baseline string
	kill     bool
	grace    time.Duration
	sig      syscall.Signal
	markers  []markerSel
	format   format
	output   string
}

// checkCmd implements "sysprims-leakcheck check".
func checkCmd(args []string, stdout, stderr io.Writer) int {
	o, err := parseCheck(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, err.Error())
	}
	base, err := readBaseline(o.baseline)
	if err != nil {
		return usageError(stderr, err.Error())
	}
	w, closeOut, err := openOutput(o.output, stdout)
	if err != nil {
		return usageError(stderr, err.Error())
	}
	rep := doCheck(o, base)
	return finishReport(rep, o.format, w, closeOut, stderr)
}

// parseCheck parses the flags of check.
func parseCheck(args []string) (checkOpts, error) {
	o := checkOpts{grace: 2 * time.Second, sig: syscall.SIGTERM, format: formatText}
	var markers []string
	fs := newFlagSet("check")
	fs.StringVar(&o.baseline, "baseline", "", "snapshot file written by snapshot --json")
	fs.BoolVar(&o.kill, "kill", false, "remove the new processes")
	fs.Var(durationFlag{&o.grace}, "grace", "time between the signal and SIGKILL")
	fs.Var(signalFlag{&o.sig}, "signal", "first signal sent by --kill")
	fs.Var(listFlag{&markers}, "marker", "only processes carrying this SYSPRIMS_ marker (KEY or KEY=VALUE)")
	fs.Var(formatFlag{&o.format}, "format", "text, json or github")
	fs.StringVar(&o.output, "output", "", "write the report to this file")
	if err := parseFlags(fs, args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("check: unexpected argument %q", fs.Arg(0))
	}
	if o.baseline == "" {
		return o, errors.New("check: --baseline FILE is required")
	}
	for _, m := range markers {
		sel, ok := parseMarker(m)
		if !ok {
			return o, fmt.Errorf("check: --marker %q: want SYSPRIMS_KEY or SYSPRIMS_KEY=VALUE", m)
		}
		o.markers = append(o.markers, sel)
	}
	return o, nil
}

// doCheck finds, and with --kill removes, the processes new since base.
func doCheck(o checkOpts, base baselineDoc) *report {
	rep := newReport("check")
	rep.Baseline = o.baseline
	rep.BaselineTimestamp = base.Taken.UTC().Format(time.RFC3339Nano)
	begin := time.Now()
	defer func() { rep.DurationMs = time.Since(begin).Milliseconds() }()
	now, err := proc.Snapshot(proc.Options{Fields: checkFields})
	if err != nil && len(now) == 0 {
		rep.Status, rep.Error = statusFailed, err.Error()
		return rep
	}
	found := newSince(base, now, callerScope(o, base, now))
	rep.Leaked = newLeaks(found)
	if len(found) > 0 {
		rep.Status = statusLeaked
	}
	if o.kill && len(found) > 0 {
		removeAll(rep, o)
	}
	return rep
}

// callerScope builds the scope for the calling process.
func callerScope(o checkOpts, base baselineDoc, now []proc.ProcessInfo) scope {
	return scope{
		taken:     base.Taken,
		uid:       os.Getuid(),
		protected: protectedPIDs(os.Getpid(), now),
		markers:   o.markers,
		isKernel:  isKernelThread,
	}
}

// isKernelThread reports Linux kernel threads (kthreadd and its
// children), which come and go and belong to no one.
func isKernelThread(p proc.ProcessInfo) bool {
	return runtime.GOOS == "linux" && (p.PID == 2 || p.PPID == 2)
}

// newLeaks wraps processes found by check in report entries.
func newLeaks(ps []proc.ProcessInfo) []leak {
	out := make([]leak, 0, len(ps))
	for _, p := range ps {
		out = append(out, leak{ProcessInfo: p, Escape: []string{escNew}, Reason: describeCode(escNew, p)})
	}
	return out
}

// removeAll terminates the processes of rep.Leaked (signal and SIGCONT,
// SIGKILL after the grace) by identity, and records what survived.
func removeAll(rep *report, o checkOpts) {
	ids := make([]proc.Identity, 0, len(rep.Leaked))
	for _, l := range rep.Leaked {
		if signal.ValidatePID(l.PID) == nil {
			ids = append(ids, l.ID())
		}
	}
	res := signal.TerminateAll(ids, o.sig, o.grace, nil)
	alive := make(map[int]bool, len(res.Survivors))
	for _, p := range res.Survivors {
		alive[p.PID] = true
		rep.Survivors = append(rep.Survivors, leak{ProcessInfo: p, Escape: []string{escNew}, Reason: "survived SIGKILL"})
	}
	for i := range rep.Leaked {
		rep.Leaked[i].Killed = !alive[rep.Leaked[i].PID] && signal.ValidatePID(rep.Leaked[i].PID) == nil
	}
	if len(res.Survivors) > 0 {
		rep.Status = statusFailed
	}
}

// openOutput returns the writer for the report: def when path is empty or
// "-", else the file at path (created or truncated).
func openOutput(path string, def io.Writer) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return def, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("output: %w", err)
	}
	return f, f.Close, nil
}

// finishReport sets the exit code, writes the report and returns the code.
func finishReport(rep *report, f format, w io.Writer, closeOut func() error, stderr io.Writer) int {
	rep.ExitCode = exitCodeFor(rep)
	err := rep.write(w, f)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: writing the report: %v\n", progName, err)
		if rep.ExitCode == exitOK {
			return exitUsage
		}
	}
	return rep.ExitCode
}

// exitCodeFor maps a check report to an exit code; run reports carry
// theirs already.
func exitCodeFor(rep *report) int {
	switch {
	case rep.ExitCode != 0:
		return rep.ExitCode
	case len(rep.Leaked) > 0 || len(rep.Survivors) > 0:
		return exitLeaked
	case rep.Status == statusFailed:
		return exitUsage
	}
	return exitOK
}
