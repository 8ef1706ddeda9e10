package proc

import (
	"errors"
	"fmt"
)

// SnapshotSchemaID identifies the JSON document produced by [MarshalSnapshot].
const SnapshotSchemaID = "https://schemas.3leaps.dev/sysprims-go/process/v1.0.0/process-snapshot.schema.json"

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

// Gone reports whether a process in this state has finished running:
// a zombie or a dead task. Gone processes are never counted as leaks.
func (s State) Gone() bool { return s == StateZombie || s == StateDead }

// Field selects the extra per-process fields that cost more reads than the
// default snapshot. The zero value asks for none of them.
type Field uint

// The extra fields a snapshot can gather on request.
const (
	FieldCmdline Field = 1 << iota // the argument vector
	FieldExe                       // the executable's path
	FieldUser                      // the owning user name and uid
	FieldMarkers                   // this library's SYSPRIMS_* environment markers
	FieldCPU                       // cpu_percent, averaged over the process lifetime

	FieldAll = FieldCmdline | FieldExe | FieldUser | FieldMarkers | FieldCPU
)

// ProcessInfo is one process as seen by one snapshot. Field names in JSON
// follow the sysprims process-info schema, plus pgid and sid.
type ProcessInfo struct {
	PID             int     `json:"pid"`
	PPID            int     `json:"ppid"`
	PGID            int     `json:"pgid"`
	SID             int     `json:"sid"`
	Name            string  `json:"name"`
	State           State   `json:"state"`
	StartTimeUnixMs int64   `json:"start_time_unix_ms"`
	ThreadCount     int     `json:"thread_count"`
	MemoryKB        uint64  `json:"memory_kb"`
	CPUPercent      float64 `json:"cpu_percent,omitempty"`

	Cmdline []string `json:"cmdline,omitempty"`
	ExePath string   `json:"exe_path,omitempty"`
	User    string   `json:"user,omitempty"`
	UID     int      `json:"uid,omitempty"`
	// Markers holds the SYSPRIMS_* environment variables of the process,
	// when [FieldMarkers] was asked for and the environment was readable.
	Markers map[string]string `json:"markers,omitempty"`
}

// Identity is what tells two processes apart over time: a PID and the
// start time of the process that held it. A reused PID has a new start time.
type Identity struct {
	PID             int
	StartTimeUnixMs int64
}

// ID returns the identity of p.
func (p ProcessInfo) ID() Identity { return Identity{p.PID, p.StartTimeUnixMs} }

// String formats p on one line for people:
// "pid 4242 ppid 1 pgid 4100 [S] sleep 300".
func (p ProcessInfo) String() string {
	cmd := p.Name
	if len(p.Cmdline) > 0 {
		cmd = joinArgs(p.Cmdline)
	}
	return fmt.Sprintf("pid %d ppid %d pgid %d sid %d [%s] %s", p.PID, p.PPID, p.PGID, p.SID, p.State, cmd)
}

// ErrNotFound reports that a process does not exist (or no longer does).
var ErrNotFound = errors.New("sysprims: no such process")

// joinArgs renders an argument vector on one line, quoting empty or
// blank-containing arguments.
func joinArgs(args []string) string {
	var b []byte
	for i, a := range args {
		if i > 0 {
			b = append(b, ' ')
		}
		if a == "" || containsSpace(a) {
			b = fmt.Appendf(b, "%q", a)
			continue
		}
		b = append(b, a...)
	}
	return string(b)
}

func containsSpace(s string) bool {
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' {
			return true
		}
	}
	return false
}
