package timeout

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/process"
)

// killWait bounds the wait for SIGKILLed processes to go while one of
// them is not dying yet (see [awaitKilled]).
const killWait = 3 * time.Second

// dyingWait bounds that wait, from the SIGKILL, while every process left
// is dying: the kernel holds their SIGKILL and takes them apart, which
// on a loaded machine (a -race suite on two cores) can take seconds. Such
// a process is late, not a survivor.
const dyingWait = 30 * time.Second

// dyingPoll is how often a wait past killWait looks again.
const dyingPoll = 50 * time.Millisecond

// awaitKilled is the one wait for SIGKILLed processes to go. step waits
// up to the duration it is given and returns the pids still there (none
// when all went). awaitKilled gives step killWait, then more, up to
// dyingWait in all, for as long as every pid left is [proc.Dying]; it
// returns the pids left when it gives up.
func awaitKilled(step func(time.Duration) []int) []int {
	end := time.Now().Add(dyingWait)
	left := step(killWait)
	for len(left) > 0 && time.Now().Before(end) && !slices.ContainsFunc(left, notDying) {
		left = step(dyingPoll)
	}
	return left
}

func notDying(pid int) bool { return !isDying(pid) }

// isDying is [proc.Dying]; tests replace it.
var isDying = proc.Dying

// infoFields are the fields gathered for members, leftovers and survivors.
const infoFields = proc.FieldCmdline | proc.FieldMarkers

// end tears the tree down once and returns the outcome.
func (t *Tree) end(timedOut bool) Outcome {
	t.endOnce.Do(func() {
		t.outcome = t.finish(timedOut)
		close(t.ended)
	})
	return t.outcome
}

// finish runs the teardown and builds the outcome.
func (t *Tree) finish(timedOut bool) Outcome {
	o := t.baseOutcome(timedOut)
	var errs []error
	rootRunning := !t.rootExited()
	if !rootRunning {
		var err error
		o.Leftovers, o.Zombies, err = t.members()
		errs = append(errs, err)
	}
	if rootRunning || len(o.Leftovers) > 0 {
		o.SignalSent = signal.Name(t.signal())
		var err error
		o.Escalated, err = t.teardown()
		errs = append(errs, err)
		var zombies []proc.ProcessInfo
		o.Survivors, zombies, err = t.verify(&o.Escalated)
		o.Zombies = proc.Merge(o.Zombies, zombies)
		errs = append(errs, err)
	}
	t.catchMigrants(&o)
	t.noteLost(&o)
	t.sending(syscall.SIGKILL) // Close kills whatever is left
	errs = append(errs, t.awaitRoot(), t.close())
	t.fillExit(&o)
	o.Usage = t.usage()
	o.DurationMs = time.Since(t.begin).Milliseconds()
	if err := errors.Join(errs...); err != nil {
		o.Error = err.Error()
	}
	return o
}

// baseOutcome fills the fields known before the teardown.
func (t *Tree) baseOutcome(timedOut bool) Outcome {
	o := Outcome{
		SchemaID:            ResultSchemaID,
		Status:              StatusCompleted,
		TreeKillReliability: t.c.Reliability(),
		GroupingRequested:   groupingRequested(t.cfg.Mechanism),
		GroupingEffective:   string(t.c.Mechanism()),
		Mechanism:           t.c.Mechanism(),
	}
	if timedOut {
		o.Status = StatusTimedOut
	}
	return o
}

func groupingRequested(m platform.Mechanism) string {
	if m == platform.MechanismAuto {
		return "group_by_default"
	}
	return string(m)
}

// teardown signals the tree, waits until the grace period after the
// signal for it to empty (the time spent signalling a large tree counts
// against the grace), and kills what is left. It reports whether it had
// to kill.
func (t *Tree) teardown() (escalated bool, err error) {
	t.signalled = time.Now()
	t.sending(t.signal())
	serr := t.c.Signal(t.signal())
	t.emitSignal(t.signal(), "tree", serr)
	if t.waitEmpty(time.Until(t.signalled.Add(t.grace()))) == nil {
		t.emptied = time.Now()
		return false, serr
	}
	t.sending(syscall.SIGKILL)
	t.emitEscalated()
	kerr := t.c.Kill()
	var werr error
	awaitKilled(func(d time.Duration) []int {
		if werr = t.waitEmpty(d); werr == nil {
			return nil
		}
		pids, _ := t.c.Members()
		return pids
	})
	t.emptied = time.Now()
	return true, errors.Join(kerr, werr)
}

// verify lists what is left of the tree after the teardown. For a
// best_effort mechanism, what is left that this engine can prove is the
// tree's (see provable) is then torn down one by one
// (TerminateAll) and the tree is listed again; processes that
// only carry the tree's marker are reported, never signalled.
func (t *Tree) verify(escalated *bool) (live, zombies []proc.ProcessInfo, err error) {
	live, zombies, err = t.members()
	if len(live) == 0 || t.c.Reliability() == platform.Guaranteed {
		return live, zombies, err
	}
	g := owner.NewGuard()
	rescan := func() []proc.Identity {
		marked, _ := t.markedBy()
		return proc.IDs(t.provable(g, marked))
	}
	t.sending(t.signal())
	t.sending(syscall.SIGKILL)
	rep := TerminateAll(proc.IDs(t.provable(g, live)), t.signal(), t.grace(), rescan)
	*escalated = *escalated || rep.Escalated
	left, zombies, err := t.members()
	t.emitEscaped(live, t.outlived()+", found by its marker; torn down one by one", left)
	return left, zombies, err
}

// outlived says what the processes found after a best_effort teardown
// outlived: the teardown, or the container, when it was lost.
func (t *Tree) outlived() string {
	if why := t.lost(); why != "" {
		return "outlived its container (" + why + ")"
	}
	return "outlived the " + string(t.c.Mechanism()) + " teardown"
}

// lost says why the container lost the tree before it was empty, or "".
func (t *Tree) lost() string {
	if b, ok := t.c.(platform.Breakable); ok {
		return b.Lost()
	}
	return ""
}

// noteLost records in o that the container lost the tree: the outcome is
// best_effort, whatever the container promised at the start.
func (t *Tree) noteLost(o *Outcome) {
	if why := t.lost(); why != "" {
		o.ContainerLost = why
		o.TreeKillReliability = platform.BestEffort
	}
}

// provable keeps the processes of ps this engine may signal: members of
// its container now, and the root and members it saw in the container
// (by identity). A marker or a parent link proves nothing (any process
// can copy an environment, and a sibling's child descends from the
// caller too), and the guard's refusals (helpers, the caller's ancestors
// and pipeline partners) always hold.
func (t *Tree) provable(g *owner.Guard, ps []proc.ProcessInfo) []proc.ProcessInfo {
	inside, _ := t.c.Members()
	return slices.DeleteFunc(slices.Clone(ps), func(p proc.ProcessInfo) bool {
		proof := owner.NoProof
		switch id := p.ID(); {
		case slices.Contains(inside, p.PID) || t.wasSeen(id):
			proof = owner.Container
		case id == t.rootID:
			proof = owner.Spawned
		}
		return g.Refuse(p, proof) != nil
	})
}

// waitEmpty waits at most d for the container to hold no live member.
func (t *Tree) waitEmpty(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return t.c.WaitEmpty(ctx)
}

// awaitRoot waits, bounded, for the root's exit status after a teardown.
func (t *Tree) awaitRoot() error {
	if isClosed(t.done) {
		return t.rootErr()
	}
	tm := time.NewTimer(t.cmd.WaitDelay + killWait)
	defer tm.Stop()
	select {
	case <-t.done:
		return t.rootErr()
	case <-tm.C:
		return errors.New("sysprims: root process did not exit after the teardown")
	}
}

// rootErr is the container's Wait error, minus plain exit statuses and
// the expiry of WaitDelay (a member holding the output pipes, which the
// teardown then killed).
func (t *Tree) rootErr() error {
	var ee interface{ ExitCode() int }
	if t.waitErr == nil || errors.As(t.waitErr, &ee) || errors.Is(t.waitErr, exec.ErrWaitDelay) {
		return nil
	}
	return t.waitErr
}

// close releases the container; Signal and Members refuse afterwards.
func (t *Tree) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	return t.c.Close()
}

// fillExit records how the root ended, and whether a signal this engine
// did not send ended it.
func (t *Tree) fillExit(o *Outcome) {
	st, ok := t.Exit()
	o.ExitCode = -1
	if !ok {
		return
	}
	o.ExitCode = st.Code
	if st.Signal != 0 {
		o.ExitCode = -1
		o.TermSignal = signal.Name(st.Signal)
		o.Canceled = t.canceled != nil && t.canceled.Load()
		byCancel := o.Canceled && st.Signal == syscall.SIGKILL
		o.KilledExternally = !t.sentSignal(st.Signal) && !selfInflicted(st.Signal) && !byCancel
	}
}

// sending records that sig is about to be sent to the tree (the SIGCONT
// that may follow ends nobody). Only signals sent while the root runs
// count: one sent after its exit cannot have ended it.
func (t *Tree) sending(sig syscall.Signal) {
	if t.rootExited() {
		return
	}
	t.idMu.Lock()
	defer t.idMu.Unlock()
	t.sent[sig] = true
}

// sentSignal reports whether this engine sent sig while the root ran.
func (t *Tree) sentSignal(sig syscall.Signal) bool {
	t.idMu.Lock()
	defer t.idMu.Unlock()
	return t.sent[sig]
}

func (t *Tree) signal() syscall.Signal {
	if t.cfg.Signal == 0 {
		return syscall.SIGTERM
	}
	return t.cfg.Signal
}

func (t *Tree) grace() time.Duration {
	if t.cfg.Grace == 0 {
		return DefaultGrace
	}
	return t.cfg.Grace
}

func (c Config) waitDelay() time.Duration {
	if c.WaitDelay == 0 {
		return DefaultWaitDelay
	}
	return c.WaitDelay
}

// members lists the live members and the zombies of the tree: the
// container's members and, for a best_effort mechanism, every process
// carrying this tree's marker.
func (t *Tree) members() (live, zombies []proc.ProcessInfo, err error) {
	pids, err := t.c.Members()
	live, zombies = describe(pids)
	t.remember(live)
	if t.c.Reliability() == platform.Guaranteed {
		return live, zombies, err
	}
	marked, serr := t.markedBy()
	return proc.Merge(live, marked), zombies, errors.Join(err, serr)
}

// describe looks pids up, splitting live processes from zombies and
// dropping those already gone.
func describe(pids []int) (live, zombies []proc.ProcessInfo) {
	for _, pid := range pids {
		p, err := proc.Get(pid, proc.Options{Fields: infoFields})
		switch {
		case err != nil:
			continue
		case p.State.Gone():
			zombies = append(zombies, p)
		default:
			live = append(live, p)
		}
	}
	return live, zombies
}

// markedBy returns the live processes that carry this tree's marker
// ([owner.CarriesTree]: a copy counts, a sysprims helper does not). It
// detects and reports; what it finds is signalled only on a proof of its
// own ([Tree.provable]). Only processes started since the root
// can carry it, so the environment is read for those alone (the rest of
// the system costs one cheap snapshot). A process that dropped its
// environment is missed.
func (t *Tree) markedBy() ([]proc.ProcessInfo, error) {
	return carrying(t.treeID, t.rootID.StartTimeUnixMs)
}

// carrying returns the live processes started at or after since (Unix
// ms) that carry the marker of tree id; see [Tree.markedBy].
func carrying(id string, since int64) ([]proc.ProcessInfo, error) {
	snap, err := proc.Snapshot(proc.Options{})
	cands := slices.DeleteFunc(snap, func(p proc.ProcessInfo) bool {
		return p.State.Gone() || p.KernelThread || p.StartTimeUnixMs < since
	})
	var pids []int
	for _, p := range proc.Fill(cands, proc.FieldMarkers) {
		if owner.CarriesTree(p, id) {
			pids = append(pids, p.PID)
		}
	}
	live, _ := describe(pids)
	return live, err
}

// faults are the signals a process raises by its own doing (a bad
// access, abort(3), a write to a closed pipe, a resource limit): a root
// they end was not killed by anyone.
var faults = func() map[syscall.Signal]bool {
	m := make(map[syscall.Signal]bool)
	for _, name := range []string{"SEGV", "BUS", "FPE", "ILL", "TRAP", "SYS", "ABRT", "PIPE", "XCPU", "XFSZ"} {
		if sig, err := signal.Parse(name); err == nil {
			m[sig] = true
		}
	}
	return m
}()

// selfInflicted reports whether sig is one of [faults].
func selfInflicted(sig syscall.Signal) bool { return faults[sig] }

// usage is the container's account of the tree, final once it is closed;
// every figure unmeasured for a container that keeps none.
func (t *Tree) usage() process.Usage {
	if a, ok := t.c.(platform.Accountant); ok {
		return a.Usage()
	}
	return process.Usage{}
}
