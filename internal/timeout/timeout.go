package timeout

import (
	"log/slog"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// ResultSchemaID identifies the JSON form of an [Outcome].
const ResultSchemaID = "https://schemas.3leaps.dev/sysprims-go/timeout/v1.0.0/timeout-result.schema.json"

// Status is how a run ended, as the sysprims timeout-result status field.
type Status string

// The statuses.
const (
	StatusCompleted Status = "completed"
	StatusTimedOut  Status = "timed_out"
)

// DefaultGrace is the time between the first signal and SIGKILL when
// [Config.Grace] is zero. A tree that empties sooner ends the wait sooner.
const DefaultGrace = 2 * time.Second

// DefaultWaitDelay bounds the copying of output pipes after the root exits
// when neither [Config.WaitDelay] nor the command's WaitDelay is set, so a
// grandchild holding stdout cannot hang a wait. Output the root wrote is
// in the pipe by then and drains in far less; it stays under Gomega's
// default Eventually timeout (1 s), so Eventually(p).Should(gexec.Exit())
// holds whichever mechanism runs the tree.
const DefaultWaitDelay = 250 * time.Millisecond

// Config says how to run and tear down a tree. The zero value is usable:
// no deadline, SIGTERM, the default grace, the strongest mechanism.
type Config struct {
	Timeout   time.Duration      // 0: no deadline
	Grace     time.Duration      // between Signal and SIGKILL; 0: DefaultGrace
	Signal    syscall.Signal     // 0: SIGTERM
	Mechanism platform.Mechanism // preference
	Require   bool               // demand Mechanism (or any guaranteed one if Auto)
	WaitDelay time.Duration      // bound on pipe copying after the root exits; 0: DefaultWaitDelay
	Env       []string           // extra KEY=VALUE pairs (markers) added to cmd's environment
	// SlowAfter, when positive, calls OnSlow once with the live tree if a
	// wait has lasted that long.
	SlowAfter time.Duration
	OnSlow    func([]proc.ProcessInfo)
	// Logger, when not nil, receives the engine's structured events (see
	// internal/telemetry): tree started, signal sent, escalated, member
	// escaped, and the container's fallback.
	Logger *slog.Logger
}

// Outcome is the result of running or tearing down a tree; its JSON form
// follows the sysprims timeout-result schema plus harness fields.
type Outcome struct {
	SchemaID   string `json:"schema_id"`
	Status     Status `json:"status"`
	ExitCode   int    `json:"exit_code"`             // -1 when ended by a signal
	TermSignal string `json:"term_signal,omitempty"` // the signal that ended the root, e.g. "SIGKILL"
	// KilledExternally reports that TermSignal was not sent by this
	// engine (nor raised by a fault of the root's own, such as SIGSEGV or
	// SIGPIPE): someone else killed the tree while it ran.
	KilledExternally bool `json:"killed_externally,omitempty"`
	// Canceled reports that the root was ended by a signal after os/exec
	// called the command's Cancel (its context was done). A SIGKILL then
	// is the command's own doing (os/exec's Cancel and WaitDelay send
	// it), not KilledExternally; any other signal this engine did not
	// send still is: nothing tells a Cancel's signal from another
	// process's.
	Canceled            bool                 `json:"canceled,omitempty"`
	SignalSent          string               `json:"signal_sent,omitempty"`
	Escalated           bool                 `json:"escalated"`
	TreeKillReliability platform.Reliability `json:"tree_kill_reliability"`
	GroupingRequested   string               `json:"grouping_requested"`
	GroupingEffective   string               `json:"grouping_effective"`
	Mechanism           platform.Mechanism   `json:"mechanism"`
	DurationMs          int64                `json:"duration_ms"`
	// Leftovers are members that were still alive when the root exited
	// (killed by the teardown).
	Leftovers []proc.ProcessInfo `json:"leftovers"`
	// Survivors are members alive after the teardown. Should be empty.
	Survivors []proc.ProcessInfo `json:"survivors"`
	// Migrants carry this tree's marker but were found outside its
	// container after a guaranteed teardown: members that moved out (a
	// process that writes its pid to another cgroup's cgroup.procs).
	// Finding one makes the outcome best_effort. Those provably the
	// tree's (its root, or seen inside the container earlier) were killed;
	// the others are in Survivors too.
	Migrants []proc.ProcessInfo `json:"migrants,omitempty"`
	// ContainerLost says why the container lost the tree before the tree
	// was empty: a member killed the subreaper shim. The outcome is then
	// best_effort; what was left of the tree is found by its marker, the
	// processes provably the tree's (the root by its identity at spawn,
	// members listed while the container held them) are torn down, and
	// the others are Survivors, left running. The root's exit status is
	// lost with the shim (ExitCode -1, no TermSignal).
	ContainerLost string `json:"container_lost,omitempty"`
	// Zombies are members found dead but not yet reaped; never survivors.
	Zombies []proc.ProcessInfo `json:"zombies,omitempty"`
	// Error describes a teardown step that failed (signal, kill, close),
	// empty when every step succeeded.
	Error string `json:"error,omitempty"`
	// Usage is what the whole tree used, as its container measured it,
	// each figure with its source; unmeasured figures are named, never
	// reported as zero.
	Usage process.Usage `json:"usage"`
}
