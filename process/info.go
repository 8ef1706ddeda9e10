package process

import (
	"fmt"
	"slices"
	"strings"
)

// State is the scheduler state of a process, spelled as in the sysprims
// process-info schema.
type State string

// The states a snapshot reports. Kernel-specific states that have no
// portable meaning are reported as [StateUnknown].
const (
	StateRunning   State = "running"
	StateSleeping  State = "sleeping"
	StateDiskSleep State = "disk-sleep"
	StateStopped   State = "stopped"
	StateTracing   State = "tracing-stop"
	StateZombie    State = "zombie"
	StateDead      State = "dead"
	StateIdle      State = "idle"
	StateUnknown   State = "unknown"
)

// States lists every state a snapshot reports.
func States() []State {
	return []State{StateRunning, StateSleeping, StateDiskSleep, StateStopped,
		StateTracing, StateZombie, StateDead, StateIdle, StateUnknown}
}

// Valid reports whether s is one of [States].
func (s State) Valid() bool { return slices.Contains(States(), s) }

// Gone reports whether a process in this state has finished running: a
// zombie or a dead task. Gone processes are never counted as leaks.
func (s State) Gone() bool { return s == StateZombie || s == StateDead }

// Info is one process as one snapshot saw it. The JSON names follow the
// sysprims process-info schema, plus pgid, sid and kernel_thread.
//
// CPUPercent, Cmdline and the fields after it are filled only when the
// snapshot asked for them (they cost extra reads per process); Markers
// holds this library's SYSPRIMS_* environment variables, which name the
// run, tree and test that started the process.
type Info struct {
	// PID is the process id.
	PID int `json:"pid"`
	// PPID is the parent's pid: 1, or a child subreaper, once the
	// parent has exited.
	PPID int `json:"ppid"`
	// PGID is the process group id.
	PGID int `json:"pgid"`
	// SID is the session id.
	SID int `json:"sid"`
	// Name is the short name the kernel reports (on Linux the comm,
	// truncated to 15 bytes).
	Name string `json:"name"`
	// State is the scheduler state.
	State State `json:"state"`
	// StartTimeUnixMs is when the process started, in milliseconds since
	// the Unix epoch; with PID it makes the [Identity].
	StartTimeUnixMs int64 `json:"start_time_unix_ms"`
	// ThreadCount is the number of threads.
	ThreadCount int `json:"thread_count"`
	// MemoryKB is the resident memory in KiB.
	MemoryKB uint64 `json:"memory_kb"`
	// KernelThread reports a kernel thread, which is never signalled.
	KernelThread bool `json:"kernel_thread,omitempty"`
	// CPUPercent is the share of all CPUs used over the process's
	// lifetime, when the snapshot asked for it.
	CPUPercent float64 `json:"cpu_percent,omitempty"`

	// Cmdline is the argument vector, when the snapshot asked for it.
	Cmdline []string `json:"cmdline,omitempty"`
	// ExePath is the path of the executable, when asked for.
	ExePath string `json:"exe_path,omitempty"`
	// User is the name of the owning user, when asked for.
	User string `json:"user,omitempty"`
	// UID is the owning user's id, when asked for.
	UID int `json:"uid,omitempty"`
	// Markers are the SYSPRIMS_* environment variables this library
	// sets on the processes it starts, when asked for.
	Markers map[string]string `json:"markers,omitempty"`
}

// Identity tells two processes apart over time: a pid and the start time
// of the process that held it. A reused pid has a new start time.
type Identity struct {
	PID             int   // the process id
	StartTimeUnixMs int64 // when the process that held PID started
}

// ID returns the identity of p.
func (p Info) ID() Identity { return Identity{p.PID, p.StartTimeUnixMs} }

// String formats p on one line for people:
// "pid 4242 ppid 1 pgid 4100 sid 4100 [sleeping] sleep 300".
func (p Info) String() string {
	cmd := p.Name
	if len(p.Cmdline) > 0 {
		cmd = joinArgs(p.Cmdline)
	}
	return fmt.Sprintf("pid %d ppid %d pgid %d sid %d [%s] %s", p.PID, p.PPID, p.PGID, p.SID, p.State, cmd)
}

// joinArgs renders an argument vector on one line, quoting empty or
// blank-containing arguments.
func joinArgs(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a == "" || strings.ContainsAny(a, " \t\n") {
			fmt.Fprintf(&b, "%q", a)
			continue
		}
		b.WriteString(a)
	}
	return b.String()
}
