package sysprimstest

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/internal/timeout"
	"github.com/3leaps/sysprims-go/process"
)

// Result is how a tree started by [Run] or [Start] (or named to
// [TerminateTree]) ended and what its teardown found.
//
// How the root ended is read exactly, as [Process.ExitStatus] gives it:
// ExitCode when it exited by itself, Signal when a signal ended it.
// Unlike [Process.ExitCode] nothing is folded into 128+n.
type Result struct {
	// ExitCode is the root's exit status, or -1 when a signal ended it
	// (Signal then says which), it never started (Err says why), or its
	// status cannot be known: [TerminateTree]'s root is not this
	// process's child, so no one here reads how it ended.
	ExitCode int
	// Signal is the signal that ended the root, or 0.
	Signal syscall.Signal
	// KilledExternally reports that Signal was not sent by sysprims (nor
	// raised by a fault of the root's own, such as SIGSEGV): someone else
	// killed the tree while it ran.
	KilledExternally bool
	// Canceled reports that Signal came after os/exec called the
	// command's Cancel (exec.CommandContext's context was done). A
	// SIGKILL then (os/exec's Cancel and WaitDelay send it) is the
	// command's own doing, and KilledExternally is false; any other
	// signal sysprims did not send is still reported as external, since
	// nothing tells a Cancel of your own's signal from another process's.
	Canceled bool
	// TimedOut reports that the deadline passed and the tree was torn down.
	TimedOut bool
	// Duration is the time from start to the end of teardown.
	Duration time.Duration
	// Stdout and Stderr hold what the tree wrote, unless capture was off
	// or the stream went to an *os.File (see [Start]); when cmd.Stdout
	// and cmd.Stderr are one writer, Stdout holds both, in order. They
	// hold all of it up to the output limit ([WithOutputLimit]); past it,
	// the head and the tail of the stream with a line between them
	// saying how many bytes were dropped.
	Stdout, Stderr []byte
	// Reliability is what the teardown could promise on this machine
	// with Mechanism: [process.Guaranteed] or [process.BestEffort].
	Reliability process.Reliability
	// Mechanism is the container that held the tree
	// ([process.MechanismCgroupV2], [process.MechanismSubreaper],
	// [process.MechanismProcessGroup], [process.MechanismJobObject]), or
	// [process.MechanismNamedTree] for [TerminateTree].
	Mechanism process.Mechanism
	// Leftovers were alive when the root exited; the teardown removed
	// them, but for those also in Survivors.
	Leftovers []process.Info
	// Survivors were alive after the teardown. Any survivor fails the test.
	Survivors []process.Info
	// Migrants carried the tree's marker but had moved out of its
	// container (another cgroup); Reliability is then best_effort. Those
	// provably the tree's were killed, the others are Survivors too.
	Migrants []process.Info
	// ContainerLost says why the container lost the tree before it was
	// empty: a member killed the subreaper shim (the root's parent). The
	// teardown is then best_effort: what is left of the tree is found by
	// its marker, the root and the members listed while the shim held
	// them are torn down by their identities, and the others are
	// Survivors, left running. The test fails either way: one that
	// dropped the marker could not be found. The root's exit status is
	// lost with the shim: ExitCode is -1 and Signal 0. Empty when the
	// container held.
	ContainerLost string
	// Usage is what the whole tree used (CPU time, peak memory, the most
	// processes alive at once) as far as Mechanism could measure it; each
	// figure says its source, and [process.Usage.Unmeasured] names those
	// it could not measure. See [process.UsageSource] for what each
	// source counts. Bound it in a spec with the matchers
	// HaveUsedCPUAtMost, HavePeakMemoryAtMost and HavePeakProcessesAtMost.
	Usage process.Usage
	// Err is set when the command could not be started.
	Err error

	outcome timeout.Outcome
}

func newResult(o timeout.Outcome, stdout, stderr []byte) *Result {
	sig, _ := signal.Parse(o.TermSignal)
	if o.TermSignal == "" {
		sig = 0
	}
	return &Result{
		ExitCode:         o.ExitCode,
		Signal:           sig,
		KilledExternally: o.KilledExternally,
		Canceled:         o.Canceled,
		TimedOut:         o.Status == timeout.StatusTimedOut,
		Duration:         time.Duration(o.DurationMs) * time.Millisecond,
		Stdout:           stdout,
		Stderr:           stderr,
		Reliability:      o.TreeKillReliability,
		Mechanism:        o.Mechanism,
		Leftovers:        o.Leftovers,
		Survivors:        o.Survivors,
		Migrants:         o.Migrants,
		ContainerLost:    o.ContainerLost,
		Usage:            o.Usage,
		outcome:          o,
	}
}

func failedResult(err error) *Result {
	return &Result{ExitCode: -1, Err: err}
}

// JSON returns the result as a sysprims timeout-result document
// (schemas/timeout-result.schema.json, with its schema_id; empty process
// lists are [], never null), or nil when the command never started or r
// was not made by this package.
func (r *Result) JSON() []byte {
	if r.Err != nil || r.outcome.Status == "" {
		return nil
	}
	b, err := r.outcome.JSON()
	if err != nil {
		panic(fmt.Sprintf("sysprims: marshal outcome: %v", err))
	}
	return b
}

// String summarises the result on one line.
func (r *Result) String() string {
	if r.Err != nil {
		return r.Err.Error()
	}
	var b strings.Builder
	switch {
	case r.TimedOut:
		fmt.Fprintf(&b, "timed out after %v", r.Duration)
	case r.Signal != 0 && r.KilledExternally:
		fmt.Fprintf(&b, "killed by %s from outside sysprims after %v", signal.Name(r.Signal), r.Duration)
		if r.Canceled {
			b.WriteString(" (after a cancel)")
		}
	case r.Signal != 0 && r.Canceled:
		fmt.Fprintf(&b, "canceled, killed by %s after %v", signal.Name(r.Signal), r.Duration)
	case r.Signal != 0:
		fmt.Fprintf(&b, "killed by %s after %v", signal.Name(r.Signal), r.Duration)
	default:
		fmt.Fprintf(&b, "exit %d after %v", r.ExitCode, r.Duration)
	}
	fmt.Fprintf(&b, " (%s, %s", r.Mechanism, r.Reliability)
	if n := len(r.Leftovers); n > 0 {
		fmt.Fprintf(&b, ", %d left behind", n)
	}
	if n := len(r.Migrants); n > 0 {
		fmt.Fprintf(&b, ", %d moved out of the container", n)
	}
	if r.ContainerLost != "" {
		b.WriteString(", container lost")
	}
	if n := len(r.Survivors); n > 0 {
		fmt.Fprintf(&b, ", %d SURVIVED", n)
	}
	b.WriteString(")")
	return b.String()
}

// GomegaString makes Gomega show a Result by its String form.
func (r *Result) GomegaString() string { return r.String() }

// survivorLines formats the survivors of r one per line, saying which of
// them moved out of the container.
func survivorLines(r *Result) string {
	var b strings.Builder
	for _, p := range r.Survivors {
		b.WriteString("\n\t" + owner.Line(p))
		if slices.ContainsFunc(r.Migrants, func(m process.Info) bool { return m.ID() == p.ID() }) {
			b.WriteString(" (" + owner.Describe([]owner.Escape{owner.EscMigrated}, p) + ")")
		}
	}
	return b.String()
}
