package main

import (
	"cmp"
	"slices"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
)

// rootInfo is what a leftover is compared with: the command's own
// process, session and group.
type rootInfo struct{ pid, pgid, sid int }

// classify says how each leftover of run got away from the command's
// tree, in the escape codes and words of [owner.Classify] (the command
// has exited; its session and group are the tree's).
func classify(left []proc.ProcessInfo, root rootInfo) []leak {
	t := owner.Tree{Root: root.pid, SIDs: []int{root.sid}, PGIDs: []int{root.pgid},
		Inside: map[int]bool{}, Escaped: make(map[int]bool, len(left))}
	for _, p := range left {
		t.Escaped[p.PID] = true
	}
	out := make([]leak, 0, len(left))
	for _, p := range left {
		codes := owner.Classify(p, t)
		out = append(out, leak{ProcessInfo: p, Escape: codes, Reason: owner.Describe(codes, p)})
	}
	slices.SortFunc(out, func(a, b leak) int { return cmp.Compare(a.PID, b.PID) })
	return out
}
