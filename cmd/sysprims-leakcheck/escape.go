package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// The escape codes of a leaked process, in the report's "escape" field.
const (
	escSetsid      = "setsid"             // its session differs from the command's
	escPgid        = "new_process_group"  // same session, another process group
	escReparented  = "reparented"         // its parent is outside the tree: daemonized
	escOrphaned    = "orphaned"           // its parent was the command, which exited
	escChildOfLeak = "child_of_leak"      // its parent is another leaked process
	escStopped     = "stopped"            // stopped (SIGSTOP/SIGTSTP)
	escNew         = "new_since_baseline" // check: not in the baseline
)

// rootInfo is what a leftover is compared with: the command's own
// process, session and group.
type rootInfo struct{ pid, pgid, sid int }

// classify returns the escape codes and their words for each leftover.
func classify(left []proc.ProcessInfo, root rootInfo) []leak {
	tree := make(map[int]bool, len(left)+1)
	tree[root.pid] = true
	for _, p := range left {
		tree[p.PID] = true
	}
	out := make([]leak, 0, len(left))
	for _, p := range left {
		codes := escapeCodes(p, root, tree)
		out = append(out, leak{ProcessInfo: p, Escape: codes, Reason: describe(codes, p)})
	}
	slices.SortFunc(out, func(a, b leak) int { return cmp.Compare(a.PID, b.PID) })
	return out
}

// escapeCodes says how p got away from the command's tree.
func escapeCodes(p proc.ProcessInfo, root rootInfo, tree map[int]bool) []string {
	var codes []string
	switch {
	case p.SID != root.sid:
		codes = append(codes, escSetsid)
	case p.PGID != root.pgid:
		codes = append(codes, escPgid)
	}
	switch {
	case p.PPID == root.pid:
		codes = append(codes, escOrphaned)
	case tree[p.PPID]:
		codes = append(codes, escChildOfLeak)
	default:
		codes = append(codes, escReparented)
	}
	if p.State == proc.StateStopped {
		codes = append(codes, escStopped)
	}
	return codes
}

// describe turns escape codes into words.
func describe(codes []string, p proc.ProcessInfo) string {
	words := make([]string, 0, len(codes))
	for _, c := range codes {
		words = append(words, describeCode(c, p))
	}
	return strings.Join(words, ", ")
}

func describeCode(code string, p proc.ProcessInfo) string {
	switch code {
	case escSetsid:
		return "escaped via setsid"
	case escPgid:
		return "new process group"
	case escReparented:
		return fmt.Sprintf("reparented (daemonized) to pid %d", p.PPID)
	case escOrphaned:
		return "outlived its parent, the command"
	case escChildOfLeak:
		return fmt.Sprintf("child of leaked pid %d", p.PPID)
	case escStopped:
		return "stopped"
	case escNew:
		return "new since the baseline"
	}
	return code
}
