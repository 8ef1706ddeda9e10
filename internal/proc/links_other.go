//go:build !linux

package proc

import (
	"errors"
	"fmt"
	"runtime"
)

// errNoLinks says this system has no /proc to read links from.
var errNoLinks = fmt.Errorf("sysprims: /proc links on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// Cgroup is Linux only: it returns an error wrapping errors.ErrUnsupported.
func Cgroup(pid int) (string, error) { return "", errNoLinks }

// PIDs is Linux only: it returns an error wrapping errors.ErrUnsupported.
func PIDs() ([]int, error) { return nil, errNoLinks }

// Streams is Linux only: it returns an error wrapping
// errors.ErrUnsupported.
func Streams(pid int) (map[int]string, error) { return nil, errNoLinks }

// Files is Linux only: it returns an error wrapping errors.ErrUnsupported.
func Files(pid int) (map[int]string, error) { return nil, errNoLinks }

// BootID is Linux only: it returns an error wrapping errors.ErrUnsupported.
func BootID() (string, error) { return "", errNoLinks }

// LastPID is Linux only: it returns an error wrapping errors.ErrUnsupported.
func LastPID() (int, error) { return 0, errNoLinks }

// namespaces is Linux only: other systems name no namespaces.
func namespaces() (pid, user string) { return "", "" }

// execPending is Linux only; elsewhere it reports false.
func execPending(pid int) bool { return false }

// ThreadGroup is Linux only: it returns an error wrapping
// errors.ErrUnsupported.
func ThreadGroup(tid int) (int, error) { return 0, errNoLinks }
