package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// notRun marks a cell an interrupted run never reached.
const notRun = "not run"

// cellText renders a cell for the table: "0 ✓ 0.31s", "3 leaked 0.30s",
// "hung, 1 leaked".
func cellText(c Cell) string {
	switch {
	case c.Skipped == notRun:
		return notRun
	case c.Skipped != "":
		return "skipped"
	case c.Error != "" && c.Survivors == 0 && !c.Hung:
		return "error"
	}
	var parts []string
	if c.Hung {
		parts = append(parts, "hung")
	}
	if c.Survivors > 0 {
		parts = append(parts, fmt.Sprintf("%d leaked", c.Survivors))
	} else if !c.Hung {
		parts = append(parts, "0 ✓")
	}
	s := strings.Join(parts, ", ")
	if !c.Hung {
		s += fmt.Sprintf(" %.2fs", c.ReturnMs/1000)
	}
	if c.Retried {
		s += " †"
	}
	if c.Late {
		s += " *"
	}
	return s
}

// markdownTable writes rows under header as an aligned Markdown table.
func markdownTable(w io.Writer, header []string, rows [][]string) {
	width := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r []string) {
		for i, c := range r {
			fmt.Fprintf(w, "| %s%s ", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		fmt.Fprintln(w, "|")
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
}
