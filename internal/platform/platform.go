package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"syscall"

	"github.com/3leaps/sysprims-go/process"
)

// Mechanism is [process.Mechanism]: the container that holds a tree.
type Mechanism = process.Mechanism

// The mechanisms, strongest first on Linux.
const (
	MechanismAuto         = process.MechanismAuto
	MechanismCgroup       = process.MechanismCgroupV2
	MechanismSubreaper    = process.MechanismSubreaper
	MechanismProcessGroup = process.MechanismProcessGroup
	MechanismJobObject    = process.MechanismJobObject
)

// Reliability is [process.Reliability]: what a teardown can promise.
type Reliability = process.Reliability

// The two reliabilities.
const (
	Guaranteed = process.Guaranteed
	BestEffort = process.BestEffort
)

// ExitStatus is how the root process of a tree ended.
type ExitStatus struct {
	Code   int            // exit code, or -1 when killed by a signal
	Signal syscall.Signal // the signal that ended it, or 0
}

// Spec asks for a container.
type Spec struct {
	Mechanism Mechanism // preference; MechanismAuto picks the strongest
	Require   bool      // fail with ErrUnavailable rather than fall back
	Name      string    // a short tag used in names (cgroup leaf), may be empty
	// Markers are KEY=VALUE environment entries ([owner.Markers]) that
	// Start sets in the root's environment, replacing inherited ones. They
	// never make a process a member: a marker proves nothing (any process
	// may copy an environment); the engine finds marked escapees itself
	// and reports them.
	Markers []string
	// Logger, when not nil, receives a fallback event when the container
	// made is not the one asked for (see internal/telemetry).
	Logger *slog.Logger
}

// Container holds one process tree: it starts the root inside itself and
// can signal, list and kill every member, including members that escaped
// their process group or session.
//
// A Container is used by one goroutine at a time except for Signal, Kill,
// Members and Empty, which may be called while Wait blocks.
type Container interface {
	// Mechanism is the mechanism actually in effect.
	Mechanism() Mechanism
	// Reliability is what Kill can promise: best_effort from the moment
	// a [Breakable] container is lost.
	Reliability() Reliability
	// Start starts cmd as the root of the tree. cmd.Env, Dir, Stdin,
	// Stdout, Stderr and ExtraFiles are honoured.
	Start(cmd *exec.Cmd) error
	// PID is the pid of the root process (not of any helper).
	PID() int
	// Wait waits for the root process to exit and returns how it ended.
	// It does not wait for the rest of the tree, nor for output pipes
	// beyond cmd.WaitDelay.
	Wait() (ExitStatus, error)
	// Signal sends sig to every live member of the tree, and SIGCONT after
	// it when sig is a terminating signal.
	Signal(sig syscall.Signal) error
	// Kill forcibly kills every member of the tree.
	Kill() error
	// Members lists the pids of live (non-zombie) members.
	Members() ([]int, error)
	// WaitEmpty returns when no live member remains or ctx is done.
	WaitEmpty(ctx context.Context) error
	// Close releases the container. It kills whatever is left first.
	Close() error
}

// ExitWatcher is implemented by containers that learn of the root's exit
// before [Container.Wait] returns (Wait also waits for the output pipes,
// which a leftover member may hold open): a caller can start the teardown
// at the exit, and Wait returns once the teardown has closed the pipes.
type ExitWatcher interface {
	// Exited returns a channel closed when the root process has exited; a
	// nil channel when this container cannot tell before Wait returns.
	Exited() <-chan struct{}
}

// Holder is implemented by the containers a member can leave (a cgroup:
// a process with the rights moves itself to another), which keep a pidfd
// of each member they signalled, so a member that has since left (a
// migrant) can still be signalled as the process that was seen inside.
// A container that is no Holder keeps every member until it dies (the
// shim's subtree, a Job Object) or guarantees nothing (a process group).
type Holder interface {
	// SignalHeld sends sig to pid through the pidfd kept for it. held is
	// false when none was kept or its process has exited; nothing is sent.
	SignalHeld(pid int, sig syscall.Signal) (held bool, err error)
	// Gone lists the pids whose kept pidfd reports that its process has
	// exited: members that were signalled and have ended since.
	Gone() []int
}

// Breakable is implemented by the containers a member of the tree can
// destroy: the subreaper shim is a process, and a member may kill it.
// Once lost, the container holds nothing: Members lists no one, Signal
// and Kill reach no one, WaitEmpty returns at once and Reliability is
// best_effort; what was left of the tree lives on outside it,
// reparented to the nearest subreaper or to init, and only the
// identities the caller took (the root's at spawn, members it listed)
// still prove it is the tree's.
type Breakable interface {
	// Lost says why the container lost its tree before the tree was
	// empty ("the subreaper shim 41 died before the tree of root 42 was
	// empty"), or "" while it holds it and once it emptied. It is final
	// once WaitEmpty returned nil or Members listed no one.
	Lost() string
}

// ErrLost is what a [Breakable] container's Start returns, wrapped, when
// it was lost before it could name the root: the command may have
// started and killed the shim at once. Whatever it started runs on
// outside any container, unnamed: only the tree's marker can find it.
var ErrLost = errors.New("sysprims: container lost")

// ErrUnavailable reports that a required mechanism is not available on
// this machine.
var ErrUnavailable = errors.New("sysprims: mechanism unavailable")

// New returns a container for one tree: the strongest usable mechanism
// ([Probe]), or the one spec asks for (falling back unless spec.Require).
// Linux offers a cgroup v2 leaf, the subreaper shim and the process group;
// Windows a Job Object with kill-on-close, and the process group when
// spec asks for it or no job can be made; other unix systems the process
// group alone (best effort); other systems nothing ([ErrUnavailable]).
func New(spec Spec) (Container, error) { return newContainer(spec) }

func newContainer(spec Spec) (Container, error) {
	caps := Probe()
	ms, err := candidates(spec, caps)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, m := range ms {
		c, err := build(m, spec)
		if err == nil {
			noteFallback(spec, caps, m, errs)
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("sysprims: no container could be made: %w", errors.Join(append([]error{ErrUnavailable}, errs...)...))
}
