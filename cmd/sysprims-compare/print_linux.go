package main

import (
	"fmt"
	"io"
	"strings"
)

// printReport writes the tables and notes for people.
func printReport(w io.Writer, rep Report, scs []scenario, rs []runner, o options) {
	if len(rep.Cells) > 0 {
		printMatrix(w, rep, scs, rs, o)
	}
	if rep.Bench != nil {
		printBench(w, rep.Bench)
	}
	printMachine(w, rep)
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "PROBLEM: %s\n", p)
	}
}

func printMatrix(w io.Writer, rep Report, scs []scenario, rs []runner, o options) {
	fmt.Fprintf(w, "Processes left alive after each runner returned (-timeout %v, -grace %v)\n\n", o.timeout, o.grace)
	header := []string{"scenario (live procs)"}
	for _, r := range rs {
		header = append(header, r.Name)
	}
	var rows [][]string
	for _, sc := range scs {
		row := []string{fmt.Sprintf("%s (%d)", sc.Name, sc.Live)}
		for _, r := range rs {
			row = append(row, cellText(find(rep.Cells, sc.Name, r.Name)))
		}
		rows = append(rows, row)
	}
	rows = append(rows, summaryRows(rep.Summary)...)
	markdownTable(w, header, rows)
	fmt.Fprintln(w)
	printLegend(w, rs, o)
	if o.verbose {
		printLeaks(w, rep.Cells)
	}
}

func find(cells []Cell, sc, r string) Cell {
	for _, c := range cells {
		if c.Scenario == sc && c.Runner == r {
			return c
		}
	}
	return Cell{Skipped: notRun}
}

func summaryRows(ss []Summary) [][]string {
	leaked, hung, clean := []string{"**leaked (total)**"}, []string{"**hung**"}, []string{"**clean cells**"}
	for _, s := range ss {
		if s.Cells == 0 {
			leaked, hung, clean = append(leaked, "—"), append(hung, "—"), append(clean, "—")
			continue
		}
		leaked = append(leaked, fmt.Sprintf("**%d**", s.Survivors))
		hung = append(hung, fmt.Sprint(s.Hangs))
		clean = append(clean, fmt.Sprintf("%d/%d", s.Clean, s.Cells))
	}
	return [][]string{leaked, hung, clean}
}

func printLegend(w io.Writer, rs []runner, o options) {
	fmt.Fprintf(w, "Cells: survivors counted by the harness's own /proc scan %v after the runner returned\n", o.settle)
	fmt.Fprintf(w, "(zombies are dead), then time from start to return. \"hung\": not returned %v after\n", o.hang)
	fmt.Fprintln(w, "deadline + grace (abandoned, freed by the cleanup). \"*\": tree not fully ready at the deadline;")
	fmt.Fprintln(w, "\"†\": it was not on a first run, so the deadline was moved past readiness (a loaded machine).")
	fmt.Fprintln(w, "Every survivor is then killed by pid, so nothing outlives this program. The deadline is")
	fmt.Fprintln(w, "-timeout after start; runners that kill rather than time out wait for the tree to be ready.")
	for _, r := range rs {
		note := r.How
		if s := r.avail(); s != "" {
			note = "skipped: " + s
		}
		fmt.Fprintf(w, "  %-20s %s\n", r.Name, note)
	}
	fmt.Fprintln(w)
}

// maxLeakLines bounds the processes listed per cell with -v.
const maxLeakLines = 5

func printLeaks(w io.Writer, cells []Cell) {
	for _, c := range cells {
		if len(c.Leaked) == 0 && c.Error == "" {
			continue
		}
		fmt.Fprintf(w, "%s under %s:", c.Scenario, c.Runner)
		if c.Error != "" {
			fmt.Fprintf(w, " error: %s", c.Error)
		}
		fmt.Fprintln(w)
		for i, l := range c.Leaked {
			if i == maxLeakLines && len(c.Leaked) > maxLeakLines+1 {
				fmt.Fprintf(w, "\t... and %d more (all of them in -json)\n", len(c.Leaked)-i)
				break
			}
			fmt.Fprintf(w, "\t%s\n", l)
		}
	}
	fmt.Fprintln(w)
}

func printMachine(w io.Writer, rep Report) {
	m := rep.Machine
	parts := []string{m.Kernel, fmt.Sprintf("%d CPUs", m.CPUs), m.Go,
		fmt.Sprintf("load %.1f → %.1f", m.LoadStart, m.LoadEnd)}
	if m.Timeout != "" {
		parts = append(parts, m.Timeout)
	}
	if m.Cgroup2 != "" {
		parts = append(parts, "cgroup2 at "+m.Cgroup2)
	}
	fmt.Fprintf(w, "Machine: %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(w, "sysprims-go mechanism: %s (%s); available here: %s\n", m.Mechanism, m.Reliability, strings.Join(m.Available, ", "))
	for _, n := range m.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "Total time: %.1fs\n", rep.ElapsedMs/1000)
}

// printBench writes the benchmark table in Markdown.
func printBench(w io.Writer, b *Bench) {
	fmt.Fprintf(w, "Benchmarks (medians: %d snapshots and runs, %d teardowns of each %d-process tree)\n\n",
		b.Reps, b.TreeReps, b.TreeSize)
	rows := [][]string{
		{fmt.Sprintf("snapshot of %d processes (default fields)", b.Processes), msText(b.SnapshotMs),
			msText(b.SnapshotFloorMs) + " (readdir + /proc/PID/stat)", ratio(b.SnapshotMs, b.SnapshotFloorMs), "≤ 1.5×"},
		{"snapshot + cmdline + markers", msText(b.SnapshotMarkersMs), msText(b.SnapshotFloorMs), ratio(b.SnapshotMarkersMs, b.SnapshotFloorMs), "—"},
	}
	for _, m := range b.Mechanisms {
		rows = append(rows, mechRows(b, m)...)
	}
	markdownTable(w, []string{"benchmark", "sysprims-go", "baseline", "difference", "target"}, rows)
	for _, n := range b.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintln(w)
}

func mechRows(b *Bench, m MechBench) [][]string {
	tag := fmt.Sprintf(" [%s, %s]", m.Mechanism, m.Reliability)
	raw := b.RawRunMs
	if m.User != "" {
		tag = fmt.Sprintf(" [%s, %s, as %s]", m.Mechanism, m.Reliability, m.User)
		raw = m.RawRunMs
	}
	runTarget := "< 3 ms extra" // the README's performance table
	if m.Mechanism == "cgroup_v2" {
		runTarget = "< 1 ms extra"
	}
	return [][]string{
		{"Run(/bin/true)" + tag, msText(m.RunMs), msText(raw) + " (exec.Cmd Run)",
			fmt.Sprintf("%+.2f ms", m.RunMs-raw), runTarget},
		{fmt.Sprintf("Stop() of %d procs honouring TERM", b.TreeSize) + tag, msText(m.HonourMs), "—", "—",
			"killpg floor + 10 ms (-bench Teardown100)"},
		{fmt.Sprintf("Stop() of %d procs ignoring TERM", b.TreeSize) + tag, msText(m.IgnoreMs), msText(b.GraceMs) + " (grace)",
			fmt.Sprintf("%+.1f ms", m.IgnoreMs-b.GraceMs), "grace + 20 ms"},
	}
}

func msText(v float64) string { return fmt.Sprintf("%.2f ms", v) }

func ratio(a, b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}
