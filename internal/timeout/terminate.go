package timeout

import (
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
)

// TerminateReport says what [TerminateAll] did.
type TerminateReport struct {
	Signalled int                // processes that were sent the polite signal
	Escalated bool               // SIGKILL was needed
	Survivors []proc.ProcessInfo // alive after SIGKILL and its wait
}

// sweepEvery is how often TerminateAll looks for processes gone.
const sweepEvery = 5 * time.Millisecond

// TerminateAll tears down a set of processes that no container holds, with
// the engine's TERM→grace→KILL policy: sig and SIGCONT to each, then
// SIGKILL to what is left after grace, returning as soon as none is alive.
// rescan, when not nil, is called on every poll to pick up members that
// appeared meanwhile (a fork storm). Each signal goes through
// [signal.SendIdentity], so a reused pid is never hit. Best effort by
// nature: a process that leaves the set unseen is missed. The engine uses
// it for the marked escapees of a best_effort tree; the leak-check
// command's check --kill for the leaks the user named.
func TerminateAll(ids []proc.Identity, sig syscall.Signal, grace time.Duration, rescan func() []proc.Identity) TerminateReport {
	var rep TerminateReport
	polite := func(id proc.Identity) {
		if signal.SendPolite(id, sig) == nil {
			rep.Signalled++
		}
	}
	live := sweep(ids, rescan, polite, grace)
	if len(live) == 0 {
		return rep
	}
	rep.Escalated = true
	kill := func(id proc.Identity) { _ = signal.SendIdentity(id, syscall.SIGKILL) }
	for _, id := range live {
		kill(id)
	}
	awaitKilled(func(d time.Duration) []int {
		live = sweep(live, rescan, kill, d)
		return pidsOf(live)
	})
	for _, id := range live {
		if p, ok := lookup(id, proc.FieldCmdline); ok {
			rep.Survivors = append(rep.Survivors, p)
		}
	}
	return rep
}

// sweep sends to every live member (once each) until none is alive or wait
// has passed, and returns those still alive.
func sweep(ids []proc.Identity, rescan func() []proc.Identity, send func(proc.Identity), wait time.Duration) []proc.Identity {
	seen := make(map[proc.Identity]bool)
	deadline := time.Now().Add(wait)
	for {
		if rescan != nil {
			ids = append(ids, rescan()...)
		}
		ids = living(ids)
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				send(id)
			}
		}
		if len(ids) == 0 || time.Now().After(deadline) {
			return ids
		}
		time.Sleep(sweepEvery)
	}
}

func pidsOf(ids []proc.Identity) []int {
	pids := make([]int, len(ids))
	for i, id := range ids {
		pids[i] = id.PID
	}
	return pids
}

// living keeps the identities whose process still runs (not a zombie),
// once each.
func living(ids []proc.Identity) []proc.Identity {
	dup := make(map[proc.Identity]bool, len(ids))
	out := make([]proc.Identity, 0, len(ids))
	for _, id := range ids {
		if dup[id] {
			continue
		}
		dup[id] = true
		if _, ok := lookup(id, 0); ok {
			out = append(out, id)
		}
	}
	return out
}

// lookup returns the live process with this identity, with fields, if
// there is one.
func lookup(id proc.Identity, fields proc.Field) (proc.ProcessInfo, bool) {
	return proc.Running(id, proc.Options{Fields: fields})
}
