package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/timeout"
)

// checkOpts are the parsed flags of check.
type checkOpts struct {
	baseline string
	kill     bool
	grace    time.Duration
	sig      syscall.Signal
	markers  []markerSel
	attached bool
	anyUser  bool
	format   format
	output   string
	outputFD int // the descriptor of --output once open; -1 for none
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
	if err := errors.Join(comparable(base.Origin, proc.CurrentOrigin()), current(base.Taken, time.Now())); err != nil {
		return usageError(stderr, fmt.Sprintf("baseline %s: %v", o.baseline, err))
	}
	out, err := openOutput(o.output, stdout)
	if err != nil {
		return usageError(stderr, err.Error())
	}
	o.outputFD = out.fd()
	rep := doCheck(o, base, stderr)
	return finishReport(rep, o.format, out, stderr)
}

// parseCheck parses the flags of check.
func parseCheck(args []string) (checkOpts, error) {
	o := checkOpts{grace: 2 * time.Second, sig: syscall.SIGTERM, format: formatText, outputFD: -1}
	var markers []string
	fs := newFlagSet("check")
	fs.StringVar(&o.baseline, "baseline", "", "snapshot file written by snapshot --json")
	fs.BoolVar(&o.kill, "kill", false, "remove the processes in scope")
	fs.Var(durationFlag{&o.grace}, "grace", "time between the signal and SIGKILL")
	fs.Var(signalFlag{&o.sig}, "signal", "first signal sent by --kill")
	fs.Var(listFlag{&markers}, "marker", "only processes carrying this SYSPRIMS_ marker (KEY or KEY=VALUE)")
	fs.BoolVar(&o.attached, "attached", false, "also new processes whose parent is alive")
	fs.BoolVar(&o.anyUser, "any-user", false, "also other users' processes")
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

// doCheck finds the processes in scope and, with --kill, removes them.
// Problems that do not stop the check (the reaper probe failed) are told
// on stderr.
func doCheck(o checkOpts, base baselineDoc, stderr io.Writer) *report {
	rep := newReport("check")
	rep.Baseline = o.baseline
	rep.BaselineTimestamp = base.Taken.UTC().Format(time.RFC3339Nano)
	begin := time.Now()
	defer func() { rep.DurationMs = time.Since(begin).Milliseconds() }()
	sc := callerScope(o, base, stderr)
	now, err := proc.Snapshot(proc.Options{})
	if err != nil && len(now) == 0 {
		rep.Status, rep.Error = statusFailed, err.Error()
		return rep
	}
	found, _ := sc.selectIn(now)
	rep.Leaked = newLeaks(found)
	if len(found) > 0 {
		rep.Status = statusLeaked
	}
	if o.kill && len(found) > 0 {
		removeAll(rep, o, sc, now)
	}
	return rep
}

// callerScope builds the scope of the calling process from the flags.
func callerScope(o checkOpts, base baselineDoc, stderr io.Writer) scope {
	sc := newScope(base, os.Getpid())
	sc.markers, sc.attached = o.markers, o.attached
	if !o.anyUser {
		sc.uid = os.Geteuid()
	}
	if !o.attached {
		reaper, probe, err := findReaper()
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v; taking pid 1 as the reaper\n", progName, err)
			reaper = 1
		}
		sc.reaper, sc.probe = reaper, probe
	}
	g := checkGuard(o)
	sc.guard = func(p proc.ProcessInfo) error { return g.Refuse(p, owner.Named) }
	return sc
}

// checkGuard returns a guard for the caller that also takes the report's
// descriptor (--output) for one of its streams.
func checkGuard(o checkOpts) *owner.Guard {
	g := owner.NewGuard()
	if o.outputFD >= 0 {
		g.AlsoOutput(o.outputFD)
	}
	return g
}

// newLeaks wraps processes found by check in report entries; a held one
// says why it is only reported.
func newLeaks(ps []pick) []leak {
	codes := []owner.Escape{owner.EscNew}
	out := make([]leak, 0, len(ps))
	for _, p := range ps {
		l := leak{ProcessInfo: p.ProcessInfo, Escape: codes, Reason: owner.Describe(codes, p.ProcessInfo), held: p.held != ""}
		if l.held {
			l.Reason += "; " + p.held
		}
		out = append(out, l)
	}
	return out
}

// removeAll terminates the processes of rep.Leaked (signal and SIGCONT,
// then SIGKILL after the grace) by identity, because the user named them
// (--kill on this scope): the proof is [owner.Named], and the guard has
// already taken out what is never ours. Held entries are not signalled.
//
// While it works, the scope is looked at again, for what the removal
// itself brings into it: a leak's child, attached while the leak lived
// (so out of scope), orphaned when the leak was killed after forking
// during the grace. So a process enters only if it was alive at the
// first look (in first, that look's snapshot) or runs in the session of
// a leak listed (sessions cannot be joined: it was forked there);
// another job's daemon started meanwhile does not. It is judged by a
// guard made anew (a pipeline stage started meanwhile is a partner by
// now), reported, and removed unless held.
func removeAll(rep *report, o checkOpts, sc scope, first []proc.ProcessInfo) {
	alive := make(map[proc.Identity]bool, len(first))
	for _, p := range first {
		alive[p.ID()] = true
	}
	seen := make(map[proc.Identity]bool, len(rep.Leaked))
	sessions := make(map[int]bool, len(rep.Leaked))
	ids := make([]proc.Identity, 0, len(rep.Leaked))
	for _, l := range rep.Leaked {
		seen[l.ID()] = true
		sessions[l.SID] = true
		if !l.held {
			ids = append(ids, l.ID())
		}
	}
	entering := func(p proc.ProcessInfo) bool {
		return !seen[p.ID()] && (alive[p.ID()] || sessions[p.SID])
	}
	rescan := func() []proc.Identity {
		now, err := proc.Snapshot(proc.Options{})
		if err != nil {
			return nil
		}
		// Only newcomers are judged, by a guard made at the first one.
		var g *owner.Guard
		look := sc
		look.guard = func(p proc.ProcessInfo) error {
			if !entering(p) {
				return nil // dropped below
			}
			if g == nil {
				g = checkGuard(o)
			}
			return g.Refuse(p, owner.Named)
		}
		found, _ := look.selectIn(now)
		var fresh []proc.Identity
		for _, l := range newLeaks(found) {
			if !entering(l.ProcessInfo) {
				continue
			}
			seen[l.ID()] = true
			rep.Leaked = append(rep.Leaked, l)
			if !l.held {
				fresh = append(fresh, l.ID())
			}
		}
		return fresh
	}
	recordRemoval(rep, timeout.TerminateAll(ids, o.sig, o.grace, rescan))
}

// notPermitted is the reason given for a process the caller may not
// signal: it was not waited on and is no survivor of SIGKILL.
const notPermitted = "not permitted (EPERM): the caller may not signal it; not removed"

// recordRemoval marks in rep what res says: each leak killed unless it
// survived or the caller was not permitted to signal it; survivors of
// SIGKILL fail the report.
func recordRemoval(rep *report, res timeout.TerminateReport) {
	alive := make(map[proc.Identity]bool, len(res.Survivors))
	for _, p := range res.Survivors {
		alive[p.ID()] = true
		rep.Survivors = append(rep.Survivors, leak{ProcessInfo: p, Escape: []owner.Escape{owner.EscNew}, Reason: "survived SIGKILL"})
	}
	denied := make(map[proc.Identity]bool, len(res.Denied))
	for _, p := range res.Denied {
		denied[p.ID()] = true
	}
	for i := range rep.Leaked {
		l := &rep.Leaked[i]
		l.Killed = !l.held && !alive[l.ID()] && !denied[l.ID()]
		if denied[l.ID()] {
			l.Reason += "; " + notPermitted
		}
	}
	if len(res.Survivors) > 0 {
		rep.Status = statusFailed
	}
}

// output is where a report goes: the default writer, or the file named by
// --output.
type output struct {
	w       io.Writer
	file    *os.File // the --output file; nil for the default writer
	created bool     // the file did not exist before openOutput made it
}

// openOutput returns the output for the report: def when path is empty or
// "-", else the file at path. A file that did not exist is created; one that
// did is opened as it is (a device such as /dev/null, a symlink or a regular
// file), and a regular file is truncated only when the report is written, so
// a command that never starts leaves it as it was.
func openOutput(path string, def io.Writer) (*output, error) {
	if path == "" || path == "-" {
		return &output{w: def}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err == nil {
		return &output{w: f, file: f, created: true}, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("output: %w", err)
	}
	if f, err = os.OpenFile(path, os.O_WRONLY, 0); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	return &output{w: f, file: f}, nil
}

// fd is the descriptor of the --output file, or -1 for the default writer.
func (o *output) fd() int {
	if o.file == nil {
		return -1
	}
	return int(o.file.Fd())
}

// begin readies the output for a report: a regular file that existed is
// truncated (a device or a pipe is written as it is).
func (o *output) begin() error {
	if o.file == nil || o.created {
		return nil
	}
	fi, err := o.file.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return err
	}
	return o.file.Truncate(0)
}

// close closes the --output file.
func (o *output) close() error {
	if o.file == nil {
		return nil
	}
	return o.file.Close()
}

// discard closes the output without a report: a file that openOutput
// created is removed (an empty file would read as a broken report); one
// that existed is left as it was.
func (o *output) discard() {
	if o.file == nil {
		return
	}
	_ = o.file.Close()
	if o.created {
		_ = os.Remove(o.file.Name())
	}
}

// finishReport sets the exit code, writes the report and returns the code.
func finishReport(rep *report, f format, out *output, stderr io.Writer) int {
	rep.ExitCode = exitCodeFor(rep)
	err := out.begin()
	if err == nil {
		err = rep.write(out.w, f)
	}
	if cerr := out.close(); err == nil {
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
