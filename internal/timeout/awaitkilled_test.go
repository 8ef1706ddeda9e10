package timeout

import (
	"slices"
	"testing"
	"time"
)

// awaitKilled waits past killWait only while every process left is
// dying, and gives up on one that is not.
func TestAwaitKilled(t *testing.T) {
	defer func(f func(int) bool) { isDying = f }(isDying)
	dying := map[int]bool{10: true, 11: true}
	isDying = func(pid int) bool { return dying[pid] }

	var waits []time.Duration
	script := func(rounds ...[]int) func(time.Duration) []int {
		waits = nil
		return func(d time.Duration) []int {
			waits = append(waits, d)
			left := rounds[0]
			if len(rounds) > 1 {
				rounds = rounds[1:]
			}
			return left
		}
	}
	for _, tc := range []struct {
		name   string
		rounds [][]int
		left   []int
		steps  int
	}{
		{"all gone at once", [][]int{nil}, nil, 1},
		{"a live one is a survivor", [][]int{{10, 12}}, []int{10, 12}, 1},
		{"dying ones are waited for", [][]int{{10, 11}, {11}, nil}, nil, 3},
		{"waited for until one is not dying", [][]int{{10, 11}, {11, 12}}, []int{11, 12}, 2},
	} {
		left := awaitKilled(script(tc.rounds...))
		if !slices.Equal(left, tc.left) || len(waits) != tc.steps {
			t.Errorf("%s: left %v after %d steps, want %v after %d", tc.name, left, len(waits), tc.left, tc.steps)
		}
		if len(waits) > 0 && waits[0] != killWait || slices.ContainsFunc(waits[min(1, len(waits)):], func(d time.Duration) bool { return d != dyingPoll }) {
			t.Errorf("%s: steps waited %v, want killWait then dyingPoll", tc.name, waits)
		}
	}
}
