package platform

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/process"
)

// MechanismNamed is [process.MechanismNamedTree], reported for a tree
// the caller named but did not start ([NewNamed]). [New] never picks it.
const MechanismNamed = process.MechanismNamedTree

// namedRounds bounds the stop-and-walk rounds over a named tree that
// keeps spawning.
const namedRounds = 200

// NamedTree is a tree the caller did not start but named by its root's
// pid: the root and its descendants by the kernel's parent links, found
// while the tree is stopped (SIGSTOP the root, list its children from
// every thread's children file, stop each new one, repeat until a walk
// finds nothing new). Every member is checked by an [owner.Guard] with
// proof [owner.Named] before it is stopped: the caller, its ancestors,
// its pipeline partners, sysprims helpers and members of containers that
// are not the caller's are never members, and nothing below them is
// walked. Environment markers play no part. Members are signalled by
// identity (pid and start time), so a reused pid is never hit.
//
// A NamedTree implements [Container] for the engine's teardown (Signal,
// Kill, Members, WaitEmpty, Close); it cannot Start or Wait. It is
// best_effort: a process that left the tree before the call (reparented
// to init or a subreaper) is not part of it, and one whose parent dies
// between two walks during the grace period can be missed. Where there
// are no stop signals (Windows) the walk runs on a live tree.
type NamedTree struct {
	guard *owner.Guard
	root  process.Identity

	mu      sync.Mutex
	members map[int]process.Identity // every member admitted, by pid
	refused map[int]error            // descendants the guard refused

	closeOnce sync.Once
	closeErr  error
}

var _ Container = (*NamedTree)(nil)

// NewNamed checks pid with an [owner.Guard] (proof [owner.Named]; a
// process inside one of the caller's own live containers is the caller's
// when named, see [Holds]) and freezes the tree below it. Nothing is
// signalled when the root is refused or gone. The tree stays stopped
// until Signal, Kill or Close.
func NewNamed(pid int) (*NamedTree, error) {
	g := NamedGuard()
	if err := g.CheckPID(pid); err != nil {
		return nil, err
	}
	root, err := proc.Get(pid, proc.Options{Fields: proc.FieldMarkers})
	if err == nil && root.State.Gone() {
		err = fmt.Errorf("sysprims: pid %d has exited: %w", pid, proc.ErrNotFound)
	}
	if err == nil {
		err = g.Refuse(root, owner.Named)
	}
	if err != nil {
		return nil, err
	}
	t := &NamedTree{guard: g, root: root.ID(),
		members: map[int]process.Identity{pid: root.ID()}, refused: map[int]error{}}
	if err := t.freeze(); err != nil {
		return t, errors.Join(err, t.Close())
	}
	return t, nil
}

// freeze stops every live member, then walks their children, admitting
// and stopping new ones, until a walk over the stopped tree finds none.
func (t *NamedTree) freeze() error {
	fresh := t.live()
	for range namedRounds {
		if len(fresh) == 0 {
			return nil
		}
		stopAll(fresh)
		t.recheck(fresh)
		fresh = t.grow()
	}
	return fmt.Errorf("sysprims: named tree of pid %d still spawning after %d stop rounds", t.root.PID, namedRounds)
}

// grow walks the children of every live member once and admits those
// the guard allows; it returns the new members.
func (t *NamedTree) grow() []process.Identity {
	var fresh []process.Identity
	for _, m := range t.live() {
		kids, _ := proc.ChildrenOf(m.PID)
		for _, pid := range kids {
			if id, ok := t.admit(pid); ok {
				fresh = append(fresh, id)
			}
		}
	}
	return fresh
}

// admit makes pid a member unless it already is one or the guard refuses
// it (the refusal is kept for the report).
func (t *NamedTree) admit(pid int) (process.Identity, bool) {
	p, err := proc.Get(pid, proc.Options{Fields: proc.FieldMarkers})
	if err != nil || p.State.Gone() {
		return process.Identity{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.members[pid] == p.ID() {
		return process.Identity{}, false
	}
	if err := t.guard.Refuse(p, owner.Named); err != nil {
		t.refused[pid] = err
		return process.Identity{}, false
	}
	t.members[pid] = p.ID()
	return p.ID(), true
}

// recheck asks the guard again about members it has just stopped, and
// lets go of those it now refuses (SIGCONT, out of the tree): a process
// read in the middle of an exec shows no environment, so no helper
// marker, and only a stopped process reads the same twice.
func (t *NamedTree) recheck(ids []process.Identity) {
	for _, id := range ids {
		p, err := proc.Get(id.PID, proc.Options{Fields: proc.FieldMarkers})
		if err != nil || p.ID() != id {
			continue
		}
		if err := t.guard.Refuse(p, owner.Named); err != nil {
			_ = resumeAll([]process.Identity{id})
			t.mu.Lock()
			delete(t.members, id.PID)
			t.refused[id.PID] = err
			t.mu.Unlock()
		}
	}
}

// live returns the members still running (zombies are gone), by pid.
func (t *NamedTree) live() []process.Identity {
	t.mu.Lock()
	ids := make([]process.Identity, 0, len(t.members))
	for _, id := range t.members {
		ids = append(ids, id)
	}
	t.mu.Unlock()
	slices.SortFunc(ids, func(a, b process.Identity) int { return a.PID - b.PID })
	return slices.DeleteFunc(ids, func(id process.Identity) bool { return !running(id) })
}

// running reports whether the process id names still runs.
func running(id process.Identity) bool {
	_, ok := proc.Running(id, proc.Options{})
	return ok
}

// sendAll sends sig to every identity; a process that is gone needs none.
func sendAll(ids []process.Identity, sig syscall.Signal) error {
	var errs []error
	for _, id := range ids {
		errs = append(errs, sendID(id, sig))
	}
	return errors.Join(errs...)
}

// sendID is the one reuse-safe send of this package: it sends sig to the
// process id names, and only to it ([signal.SendIdentity]: through a pidfd
// where the kernel has them). One that is gone, or whose pid now belongs
// to another process, needs no signal.
func sendID(id process.Identity, sig syscall.Signal) error {
	if err := signal.SendIdentity(id, sig); err != nil && !gone(err) {
		return err
	}
	return nil
}

// gone reports an error that only says the process no longer exists.
func gone(err error) bool {
	return errors.Is(err, proc.ErrNotFound) || errors.Is(err, signal.ErrPIDReused) || errors.Is(err, syscall.ESRCH)
}

// Mechanism returns [MechanismNamed].
func (t *NamedTree) Mechanism() Mechanism { return MechanismNamed }

// Reliability returns [BestEffort].
func (t *NamedTree) Reliability() Reliability { return BestEffort }

// PID returns the named root's pid.
func (t *NamedTree) PID() int { return t.root.PID }

// Start panics: a named tree was started by someone else.
func (t *NamedTree) Start(*exec.Cmd) error {
	panic("sysprims: platform: Start called on a named tree")
}

// Wait returns an error: the caller is not the parent of a named root.
func (t *NamedTree) Wait() (ExitStatus, error) {
	return ExitStatus{Code: -1}, fmt.Errorf("sysprims: wait for named pid %d: %w", t.root.PID, errors.ErrUnsupported)
}

// Signal sends sig to every live member, then lets the tree run again:
// SIGCONT to every member, so stopped members act on sig. Where there
// are no stop signals (Windows), a terminating sig kills.
func (t *NamedTree) Signal(sig syscall.Signal) error {
	live := t.live()
	if !canStop && signal.IsTerminating(sig) {
		sig = syscall.SIGKILL
	}
	return errors.Join(sendAll(live, sig), resumeAll(live))
}

// Kill freezes the tree again (new members found while it ran are
// stopped too, walking until nothing new appears), then sends SIGKILL to
// every member.
func (t *NamedTree) Kill() error {
	err := t.freeze()
	return errors.Join(err, sendAll(t.live(), syscall.SIGKILL))
}

// Members grows the tree by one walk (without stopping anything) and
// lists the pids of the live members.
func (t *NamedTree) Members() ([]int, error) {
	t.grow()
	live := t.live()
	pids := make([]int, len(live))
	for i, id := range live {
		pids[i] = id.PID
	}
	return pids, nil
}

// WaitEmpty polls until no member is alive or ctx is done.
func (t *NamedTree) WaitEmpty(ctx context.Context) error {
	d := time.Millisecond
	for {
		ms, _ := t.Members()
		if len(ms) == 0 {
			return nil
		}
		tm := time.NewTimer(d)
		select {
		case <-ctx.Done():
			tm.Stop()
			return fmt.Errorf("sysprims: named tree of pid %d not empty (%d left): %w", t.root.PID, len(ms), ctx.Err())
		case <-tm.C:
		}
		d = min(2*d, 10*time.Millisecond)
	}
}

// Close kills whatever is left: a named tree is never left stopped.
func (t *NamedTree) Close() error {
	t.closeOnce.Do(func() {
		if len(t.live()) > 0 {
			t.closeErr = t.Kill()
		}
	})
	return t.closeErr
}

// Refused returns, one per line, why descendants of the root were left
// alone ("pid 42 is a sysprims helper of a live run", "pid 43 carries a
// sysprims helper marker but is not a helper of a live run"), or nil.
func (t *NamedTree) Refused() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	pids := make([]int, 0, len(t.refused))
	for pid := range t.refused {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	errs := make([]error, len(pids))
	for i, pid := range pids {
		errs[i] = t.refused[pid]
	}
	return errors.Join(errs...)
}
