package proc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/3leaps/sysprims-go/process"
)

// SnapshotSchemaID identifies the JSON document produced by [MarshalSnapshot].
const SnapshotSchemaID = "https://schemas.3leaps.dev/sysprims-go/process/v1.0.0/process-snapshot.schema.json"

// The process model lives in the public package process; these aliases
// keep the gathering code's names short.
type (
	// ProcessInfo is [process.Info].
	ProcessInfo = process.Info
	// State is [process.State].
	State = process.State
	// Identity is [process.Identity].
	Identity = process.Identity
)

// The states, as [process.State] names them.
const (
	StateRunning   = process.StateRunning
	StateSleeping  = process.StateSleeping
	StateDiskSleep = process.StateDiskSleep
	StateStopped   = process.StateStopped
	StateTracing   = process.StateTracing
	StateZombie    = process.StateZombie
	StateDead      = process.StateDead
	StateIdle      = process.StateIdle
	StateUnknown   = process.StateUnknown
)

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

// ErrNotFound reports that a process does not exist (or no longer does).
var ErrNotFound = errors.New("sysprims: no such process")

// processError is err about one process, said once with its prefix:
// "sysprims: process 42: no such process".
type processError struct {
	pid int
	err error
}

func (e *processError) Error() string {
	return fmt.Sprintf("sysprims: process %d: %s", e.pid, strings.TrimPrefix(e.err.Error(), "sysprims: "))
}

func (e *processError) Unwrap() error { return e.err }

// processErr says that err is about the process pid.
func processErr(pid int, err error) error { return &processError{pid, err} }
