package proc

import (
	"cmp"
	"slices"
)

// Options says where and what a snapshot gathers. The zero value reads the
// system's process table with the default fields only.
type Options struct {
	// Root is the proc filesystem to read on Linux; "" means "/proc".
	// Tests point it at recorded files. Ignored on other systems.
	Root string
	// Fields asks for the extra fields that cost extra reads.
	Fields Field
}

// Has reports whether f includes every field in g.
func (f Field) Has(g Field) bool { return f&g == g }

// sortByPID sorts ps by pid unless it already is (the usual case on Linux,
// whose /proc lists pids in ascending order).
func sortByPID(ps []ProcessInfo) {
	if sortedByPID(ps) {
		return
	}
	slices.SortFunc(ps, func(a, b ProcessInfo) int { return cmp.Compare(a.PID, b.PID) })
}

// sortedByPID reports whether ps is in pid order, comparing pids in
// place (a comparator would copy two ProcessInfo values per step).
//
//go:norace
func sortedByPID(ps []ProcessInfo) bool {
	for i := 1; i < len(ps); i++ {
		if ps[i].PID < ps[i-1].PID {
			return false
		}
	}
	return true
}

// lifetimeCPUPercent is the share of all ncpu CPUs used over a lifetime.
func lifetimeCPUPercent(cpuMs, lifeMs int64, ncpu int) float64 {
	if lifeMs <= 0 || ncpu <= 0 {
		return 0
	}
	return min(max(float64(cpuMs)*100/float64(lifeMs)/float64(ncpu), 0), 100)
}
