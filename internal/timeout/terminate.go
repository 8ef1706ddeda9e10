package timeout

import (
	"errors"
	"os"
	"slices"
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
	Denied    []proc.ProcessInfo // the caller may not signal them (EPERM, os.ErrPermission): never waited on, not survivors
}

// sweepEvery is how often TerminateAll looks for processes gone.
const sweepEvery = 5 * time.Millisecond

// TerminateAll tears down a set of processes that no container holds, with
// the engine's TERM→grace→KILL policy: sig and SIGCONT to each, then
// SIGKILL to what is left after grace, returning as soon as none is alive.
// rescan, when not nil, is called on every poll to pick up members that
// appeared meanwhile (a fork storm). Each signal goes through
// [signal.SendIdentity], so a reused pid is never hit. A process the
// caller has no permission to signal (EPERM: another user's) is put in
// Denied at once and dropped: it is neither waited for nor sent SIGKILL,
// and is no survivor. Best effort by nature: a process that leaves the
// set unseen is missed. The engine uses it for the marked escapees of a
// best_effort tree; the leak-check command's check --kill for the leaks
// the user named.
func TerminateAll(ids []proc.Identity, sig syscall.Signal, grace time.Duration, rescan func() []proc.Identity) TerminateReport {
	return terminateAll(ids, sig, grace, rescan, signal.SendPolite, signal.SendIdentity)
}

// sender sends one signal to one process by identity.
type sender func(proc.Identity, syscall.Signal) error

// terminateAll is [TerminateAll] with the sends given: polite sends sig
// (and SIGCONT), kill SIGKILL.
func terminateAll(ids []proc.Identity, sig syscall.Signal, grace time.Duration, rescan func() []proc.Identity, polite, kill sender) TerminateReport {
	var rep TerminateReport
	denied := map[proc.Identity]bool{}
	deny := func(id proc.Identity, err error) {
		if errors.Is(err, os.ErrPermission) && !denied[id] {
			denied[id] = true
			if p, ok := lookup(id, proc.FieldCmdline); ok {
				rep.Denied = append(rep.Denied, p)
			}
		}
	}
	first := func(id proc.Identity) {
		err := polite(id, sig)
		if err == nil {
			rep.Signalled++
		}
		deny(id, err)
	}
	live := sweep(ids, rescan, first, denied, grace)
	if len(live) == 0 {
		return rep
	}
	rep.Escalated = true
	live = killAwait(live, rescan, func(id proc.Identity) { deny(id, kill(id, syscall.SIGKILL)) }, denied)
	for _, id := range live {
		if p, ok := lookup(id, proc.FieldCmdline); ok {
			rep.Survivors = append(rep.Survivors, p)
		}
	}
	return rep
}

// KillAll sends SIGKILL to each of ids ([signal.SendIdentity]: a reused
// pid is never hit) and waits for them to go, by the engine's one rule
// for SIGKILLed processes ([awaitKilled]). It returns the send error of
// each process it could not signal (one gone already, or whose pid was
// reused, is no error), which it does not wait for, and the processes
// still alive when the wait gave up. The caller decides what it may kill;
// KillAll checks no ownership.
func KillAll(ids []proc.Identity) (failed map[proc.Identity]error, left []proc.Identity) {
	return killAll(ids, signal.SendIdentity)
}

// killAll is [KillAll] with the send given.
func killAll(ids []proc.Identity, kill sender) (map[proc.Identity]error, []proc.Identity) {
	failed := map[proc.Identity]error{}
	skip := map[proc.Identity]bool{}
	send := func(id proc.Identity) {
		if err := kill(id, syscall.SIGKILL); err != nil && !gone(err) && !skip[id] {
			failed[id], skip[id] = err, true
		}
	}
	return failed, killAwait(ids, nil, send, skip)
}

// killAwait calls kill on each of ids, then waits for them to go
// ([awaitKilled]), calling kill again on each live one, and on each one
// rescan adds, on every sweep ([sweep]); those in skip are dropped. It
// returns the identities still alive.
func killAwait(ids []proc.Identity, rescan func() []proc.Identity, kill func(proc.Identity), skip map[proc.Identity]bool) []proc.Identity {
	for _, id := range ids {
		kill(id)
	}
	awaitKilled(func(d time.Duration) []int {
		ids = sweep(ids, rescan, kill, skip, d)
		return pidsOf(ids)
	})
	return ids
}

// gone reports whether err, from a send, says the process is gone (or
// its pid names another process now): nothing is left to signal.
func gone(err error) bool {
	return errors.Is(err, proc.ErrNotFound) || errors.Is(err, signal.ErrPIDReused)
}

// sweep sends to every live member (once each) until none is alive or wait
// has passed, and returns those still alive. Members in skip (the caller
// may not signal them) are dropped.
func sweep(ids []proc.Identity, rescan func() []proc.Identity, send func(proc.Identity), skip map[proc.Identity]bool, wait time.Duration) []proc.Identity {
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
		ids = slices.DeleteFunc(ids, func(id proc.Identity) bool { return skip[id] })
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
