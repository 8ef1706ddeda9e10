package owner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/3leaps/sysprims-go/process"
)

// Escape is one way a process got away from its tree, as the "escape"
// codes of the leak-check report.
type Escape string

// The escape codes.
const (
	EscSetsid      Escape = "setsid"             // another session than the tree's
	EscPgid        Escape = "new_process_group"  // the tree's session, another group
	EscReparented  Escape = "reparented"         // its parent is outside the tree: daemonized
	EscOrphaned    Escape = "orphaned"           // its parent was the root, which exited
	EscChildOfLeak Escape = "child_of_leak"      // its parent is another escaped process
	EscStopped     Escape = "stopped"            // stopped by a signal
	EscNew         Escape = "new_since_baseline" // not in the baseline (leak check)
	EscMigrated    Escape = "migrated"           // moved out of its container (cgroup)
)

// Tree is what an escape is judged against: where the root is and which
// sessions and process groups count as the tree's own.
type Tree struct {
	Root      int   // the root's pid
	RootAlive bool  // the root still runs
	SIDs      []int // sessions of the tree (the root's, the caller's)
	PGIDs     []int // process groups of the tree
	// Inside holds the pids of the root's live subtree, and Escaped those
	// of the other processes judged with p (to tell child_of_leak).
	Inside, Escaped map[int]bool
}

// Classify says how p, a member of t found alive outside the root's
// subtree, got away.
func Classify(p process.Info, t Tree) []Escape {
	var codes []Escape
	switch {
	case !slices.Contains(t.SIDs, p.SID):
		codes = append(codes, EscSetsid)
	case !slices.Contains(t.PGIDs, p.PGID):
		codes = append(codes, EscPgid)
	}
	switch {
	case p.PPID == t.Root && !t.RootAlive:
		codes = append(codes, EscOrphaned)
	case t.Escaped[p.PPID]:
		codes = append(codes, EscChildOfLeak)
	case !t.Inside[p.PPID]:
		codes = append(codes, EscReparented)
	}
	if p.State == process.StateStopped {
		codes = append(codes, EscStopped)
	}
	return codes
}

// Describe puts escape codes in words:
// "escaped via setsid, reparented to pid 1 (daemonized)".
func Describe(codes []Escape, p process.Info) string {
	words := make([]string, 0, len(codes))
	for _, c := range codes {
		words = append(words, c.words(p))
	}
	return strings.Join(words, ", ")
}

// words says one escape about p.
func (e Escape) words(p process.Info) string {
	switch e {
	case EscSetsid:
		return "escaped via setsid"
	case EscPgid:
		return "new process group"
	case EscReparented:
		return fmt.Sprintf("reparented to pid %d (daemonized)", p.PPID)
	case EscOrphaned:
		return "outlived its parent, the root"
	case EscChildOfLeak:
		return fmt.Sprintf("child of escaped pid %d", p.PPID)
	case EscStopped:
		return "stopped"
	case EscNew:
		return "new since the baseline"
	case EscMigrated:
		return "moved out of its container"
	}
	return string(e)
}

// Line formats p on one line for a report, naming the test that started
// it when a marker says so:
// "pid 4242 ppid 1 pgid 4100 sid 4100 [sleeping] sleep 300 (started by TestX)".
func Line(p process.Info) string {
	if t := p.Markers[EnvTest]; t != "" {
		return p.String() + " (started by " + t + ")"
	}
	return p.String()
}

// Lines formats ps one per line, each after a newline and indent.
func Lines(ps []process.Info, indent string) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("\n" + indent + Line(p))
	}
	return b.String()
}
