package timeout

import (
	"errors"
	"fmt"
)

// ErrNotFound reports that the command's executable does not exist or is
// not on $PATH. The CLI maps it to exit code 127.
var ErrNotFound = errors.New("sysprims: executable file not found")

// ErrNotExecutable reports that the command's file exists but cannot be
// executed (no execute permission, a directory). The CLI maps it to exit
// code 126.
var ErrNotExecutable = errors.New("sysprims: file is not executable")

// ErrInvalidConfig reports a [Config] that makes no sense, such as a
// negative timeout.
var ErrInvalidConfig = errors.New("sysprims: invalid config")

// ErrInvalidSignal reports a signal number the platform does not have.
var ErrInvalidSignal = errors.New("sysprims: invalid signal")

// ErrDone reports an operation on a tree that has already been torn down.
var ErrDone = errors.New("sysprims: tree already torn down")

// StartError reports a command that could not be started. It unwraps to
// its sentinel ([ErrNotFound] or [ErrNotExecutable], when one applies) and
// to the underlying error.
type StartError struct {
	Name string // the command as given
	Kind error  // ErrNotFound, ErrNotExecutable or nil
	Err  error  // the underlying error
}

// Error formats e as `sysprims: start "foo": executable file not found in $PATH`.
func (e *StartError) Error() string {
	return fmt.Sprintf("sysprims: start %q: %v", e.Name, e.Err)
}

// Unwrap returns the sentinel and the underlying error.
func (e *StartError) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}
