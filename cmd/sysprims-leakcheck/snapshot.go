package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// snapshotFields are gathered by snapshot: everything a filter or a later
// check may need.
const snapshotFields = proc.FieldCmdline | proc.FieldUser | proc.FieldMarkers

// snapshotCmd implements "sysprims-leakcheck snapshot".
func snapshotCmd(args []string, stdout, stderr io.Writer) int {
	asJSON, ports, filter, err := parseSnapshot(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, err.Error())
	}
	if ports {
		return portsCmd(stdout, stderr, filter, asJSON)
	}
	fields := snapshotFields
	if filter != nil {
		fields |= filter.Fields()
	}
	ps, err := proc.Snapshot(proc.Options{Fields: fields})
	if err != nil && len(ps) == 0 {
		return usageError(stderr, "snapshot: "+err.Error())
	}
	if filter != nil {
		ps = filter.Apply(ps)
	}
	if err := writeSnapshot(stdout, ps, filter, asJSON); err != nil {
		return usageError(stderr, "snapshot: "+err.Error())
	}
	return exitOK
}

// parseSnapshot parses the flags of snapshot.
func parseSnapshot(args []string) (asJSON, ports bool, f *proc.Filter, err error) {
	var kv []string
	fs := newFlagSet("snapshot")
	fs.BoolVar(&asJSON, "json", false, "JSON with a schema_id")
	fs.BoolVar(&ports, "ports", false, "list listening sockets and their processes")
	fs.Var(listFlag{&kv}, "filter", "key=value process filter (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return false, false, nil, err
	}
	if fs.NArg() > 0 {
		return false, false, nil, fmt.Errorf("snapshot: unexpected argument %q", fs.Arg(0))
	}
	if len(kv) == 0 {
		return asJSON, ports, nil, nil
	}
	pf, err := proc.ParseFilter(kv)
	if err != nil {
		return false, false, nil, fmt.Errorf("snapshot: %v", err)
	}
	return asJSON, ports, &pf, nil
}

// writeSnapshot writes ps, reduced by f when not nil, as a JSON document
// or aligned columns.
func writeSnapshot(w io.Writer, ps []proc.ProcessInfo, f *proc.Filter, asJSON bool) error {
	if asJSON {
		b, err := proc.MarshalSnapshot(ps, f)
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		_, err = io.WriteString(w, "\n")
		return err
	}
	return writeColumns(w, ps)
}

// writeColumns writes one aligned row per process.
func writeColumns(w io.Writer, ps []proc.ProcessInfo) error {
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	fmt.Fprintln(tw, "PID\tPPID\tPGID\tSID\tUSER\tSTATE\tSTARTED\tRSS_KB\tTHR\tCOMMAND")
	for _, p := range ps {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%s\t%s\t%s\t%d\t%d\t%s\n",
			p.PID, p.PPID, p.PGID, p.SID, userOf(p), p.State, shortStart(p.StartTimeUnixMs),
			p.MemoryKB, p.ThreadCount, commandOf(p))
	}
	return tw.Flush()
}

func userOf(p proc.ProcessInfo) string {
	if p.User != "" {
		return p.User
	}
	return strconv.Itoa(p.UID)
}

// shortStart is HH:MM:SS for today (UTC), the date otherwise.
func shortStart(ms int64) string {
	if ms <= 0 {
		return "-"
	}
	t := time.UnixMilli(ms).UTC()
	if t.YearDay() == time.Now().UTC().YearDay() && t.Year() == time.Now().UTC().Year() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02")
}

// commandOf is the command line on one line, or [name] without one.
func commandOf(p proc.ProcessInfo) string {
	if len(p.Cmdline) == 0 {
		return "[" + p.Name + "]"
	}
	return strings.Map(printable, strings.Join(p.Cmdline, " "))
}

// printable turns control characters into blanks so rows stay aligned.
func printable(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return ' '
	}
	return r
}
