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
// The fields after MemoryKB are filled only when the snapshot asked for
// them (they cost extra reads per process); Markers holds this library's
// SYSPRIMS_* environment variables, which name the run, tree and test
// that started the process.
type Info struct {
	PID             int     `json:"pid"`
	PPID            int     `json:"ppid"`
	PGID            int     `json:"pgid"`
	SID             int     `json:"sid"`
	Name            string  `json:"name"`
	State           State   `json:"state"`
	StartTimeUnixMs int64   `json:"start_time_unix_ms"`
	ThreadCount     int     `json:"thread_count"`
	MemoryKB        uint64  `json:"memory_kb"`
	KernelThread    bool    `json:"kernel_thread,omitempty"`
	CPUPercent      float64 `json:"cpu_percent,omitempty"`

	Cmdline []string          `json:"cmdline,omitempty"`
	ExePath string            `json:"exe_path,omitempty"`
	User    string            `json:"user,omitempty"`
	UID     int               `json:"uid,omitempty"`
	Markers map[string]string `json:"markers,omitempty"`
}

// Identity tells two processes apart over time: a pid and the start time
// of the process that held it. A reused pid has a new start time.
type Identity struct {
	PID             int
	StartTimeUnixMs int64
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
