package sysprimstest

import (
	"slices"
	"sync"
)

// trees holds the trees this binary started with [Start] or [Run] that
// have not ended, so that a leak check can stop those its scope left
// running: a tree's own container, not a scan, kills its members.
var trees registry

// registry is a set of live Processes, each with the sequence number it
// was added under.
type registry struct {
	mu   sync.Mutex
	n    uint64
	live map[*Process]uint64
}

// add records p as live.
func (r *registry) add(p *Process) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.live == nil {
		r.live = map[*Process]uint64{}
	}
	r.n++
	r.live[p] = r.n
}

// remove forgets p once it has ended.
func (r *registry) remove(p *Process) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.live, p)
}

// seq returns the sequence number of the last tree added.
func (r *registry) seq() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// since returns the live trees added after sequence number n by test
// (by any test when test is ""), oldest first.
func (r *registry) since(n uint64, test string) []*Process {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*Process
	for p, k := range r.live {
		if k > n && (test == "" || p.test == test) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *Process) int { return int(r.live[a]) - int(r.live[b]) })
	return out
}
