package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
)

// reportSchemaID identifies the JSON report (schemas/leakcheck-report.schema.json).
const reportSchemaID = "https://schemas.3leaps.dev/sysprims-go/leakcheck/v1.0.0/leakcheck-report.schema.json"

// The report statuses.
const (
	statusClean    = "clean"     // nothing leaked
	statusLeaked   = "leaked"    // processes leaked (and were removed, unless listed as survivors)
	statusTimedOut = "timed_out" // run: --timeout expired
	statusFailed   = "failed"    // teardown or kill failed: survivors remain
)

// report is what run and check found, in every output format.
type report struct {
	SchemaID  string `json:"schema_id"`
	Mode      string `json:"mode"` // "run" or "check"
	Status    string `json:"status"`
	Timestamp string `json:"timestamp"`
	ExitCode  int    `json:"exit_code"` // sysprims-leakcheck's own exit code

	// run only
	Command             []string `json:"command,omitempty"`
	CommandExitCode     *int     `json:"command_exit_code,omitempty"` // -1 when ended by a signal
	CommandSignal       string   `json:"command_signal,omitempty"`
	Mechanism           string   `json:"mechanism,omitempty"`
	TreeKillReliability string   `json:"tree_kill_reliability,omitempty"`
	ContainerLost       string   `json:"container_lost,omitempty"` // why the container lost the tree (a member killed the subreaper shim)
	DurationMs          int64    `json:"duration_ms"`

	// check only
	Baseline          string `json:"baseline,omitempty"`
	BaselineTimestamp string `json:"baseline_timestamp,omitempty"`

	Leaked    []leak `json:"leaked"`
	Survivors []leak `json:"survivors"`
	Error     string `json:"error,omitempty"`
}

// leak is one leaked process and how it got away.
type leak struct {
	proc.ProcessInfo
	Escape []owner.Escape `json:"escape"` // codes: setsid, new_process_group, reparented, orphaned, child_of_leak, stopped, new_since_baseline, migrated
	Reason string         `json:"reason"` // the codes in words
	Killed bool           `json:"killed"` // removed by sysprims-leakcheck
	held   bool           // check: only reported, never signalled (Reason says why)
}

// newReport returns an empty report for mode, stamped now.
func newReport(mode string) *report {
	return &report{
		SchemaID:  reportSchemaID,
		Mode:      mode,
		Status:    statusClean,
		Timestamp: time.Now().UTC().Format(time.RFC3339Nano),
		Leaked:    []leak{},
		Survivors: []leak{},
	}
}

// write renders r in format f.
func (r *report) write(w io.Writer, f format) error {
	switch f {
	case formatJSON:
		return r.writeJSON(w)
	case formatGitHub:
		return r.writeGitHub(w)
	}
	return r.writeText(w)
}

func (r *report) writeJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// writeText writes one summary line and one line per process.
func (r *report) writeText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", progName, r.summary())
	for _, l := range r.Leaked {
		fmt.Fprintf(&b, "  %s\n", l.line())
	}
	if len(r.Survivors) > 0 {
		fmt.Fprintf(&b, "%s: %d still alive after removal:\n", progName, len(r.Survivors))
		for _, l := range r.Survivors {
			fmt.Fprintf(&b, "  %s\n", l.line())
		}
	}
	if r.ContainerLost != "" {
		fmt.Fprintf(&b, "%s: container lost: %s\n", progName, r.ContainerLost)
	}
	if r.Error != "" {
		fmt.Fprintf(&b, "%s: error: %s\n", progName, r.Error)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeGitHub writes one ::error annotation per leaked or surviving
// process, then the summary as a plain line.
func (r *report) writeGitHub(w io.Writer) error {
	var b strings.Builder
	for _, l := range r.Leaked {
		fmt.Fprintf(&b, "::error title=%s::%s\n", ghProperty(r.leakTitle()), ghData(l.line()))
	}
	for _, l := range r.Survivors {
		fmt.Fprintf(&b, "::error title=%s::%s\n", ghProperty(progName+": process survived removal"), ghData(l.line()))
	}
	if r.ContainerLost != "" {
		fmt.Fprintf(&b, "::error title=%s::%s\n", ghProperty(progName+": container lost"), ghData(r.ContainerLost))
	}
	if r.Error != "" {
		fmt.Fprintf(&b, "::error title=%s::%s\n", ghProperty(progName+": error"), ghData(r.Error))
	}
	fmt.Fprintf(&b, "%s: %s\n", progName, r.summary())
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *report) leakTitle() string {
	if r.Mode == "check" {
		return progName + ": new process since baseline"
	}
	return progName + ": leaked process"
}

// summary is the one-line verdict.
func (r *report) summary() string {
	n := len(r.Leaked)
	var s string
	switch {
	case r.Status == statusTimedOut:
		s = "timed out; the tree was torn down"
	case n == 0 && len(r.Survivors) > 0: // found outside the container only (a cgroup migrant)
		s = fmt.Sprintf("%s outlived the command (not removed)", plural(len(r.Survivors)))
	case n == 0 && r.Mode == "check":
		s = "clean: no new process since the baseline"
	case n == 0:
		s = "clean: no process outlived the command"
	case r.Mode == "check":
		s = fmt.Sprintf("%s new since the baseline%s", plural(n), r.removedSuffix())
	default:
		s = fmt.Sprintf("%s outlived the command%s", plural(n), r.removedSuffix())
	}
	s += r.commandEnd()
	if r.Mechanism != "" {
		s += fmt.Sprintf(" [%s, %s]", r.Mechanism, r.TreeKillReliability)
	}
	return s
}

// commandEnd says how run's command ended, so a clean report of a failed
// command does not read as a success: "; the command exited 0",
// "; the command failed (exit status 1)", "; the command was killed by
// SIGTERM". Empty for check.
func (r *report) commandEnd() string {
	switch {
	case r.CommandSignal != "":
		return "; the command was killed by " + r.CommandSignal
	case r.CommandExitCode == nil:
		return ""
	case *r.CommandExitCode == 0:
		return "; the command exited 0"
	case *r.CommandExitCode < 0:
		return "; the command's exit status is unknown"
	}
	return fmt.Sprintf("; the command failed (exit status %d)", *r.CommandExitCode)
}

// removedSuffix says how many of the leaked were removed: " (removed)"
// for all, " (2 of 3 removed)" for some, "" for none.
func (r *report) removedSuffix() string {
	k := 0
	for _, l := range r.Leaked {
		if l.Killed {
			k++
		}
	}
	switch k {
	case 0:
		return ""
	case len(r.Leaked):
		return " (removed)"
	}
	return fmt.Sprintf(" (%d of %d removed)", k, len(r.Leaked))
}

func plural(n int) string {
	if n == 1 {
		return "1 process"
	}
	return fmt.Sprintf("%d processes", n)
}

// line formats l for people:
// "pid 4242 ppid 1 pgid 4242 sid 4242 [sleeping] sleep 300 (escaped via setsid; started 2024-01-02T03:04:05.678Z)".
func (l leak) line() string {
	s := fmt.Sprintf("%s (%s; started %s", l.ProcessInfo.String(), l.Reason, formatStart(l.StartTimeUnixMs))
	if t := l.Markers[owner.EnvTest]; t != "" {
		s += "; test " + t
	}
	return s + ")"
}

func formatStart(ms int64) string {
	if ms <= 0 {
		return "unknown"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// ghData escapes an annotation message.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes an annotation property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
