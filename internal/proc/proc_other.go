//go:build !linux && !darwin && !windows

package proc

import (
	"errors"
	"fmt"
	"runtime"
)

// errUnsupported says this system has no snapshot implementation.
var errUnsupported = fmt.Errorf("sysprims: process snapshot on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// Snapshot is not implemented on this system: it returns an error
// wrapping errors.ErrUnsupported.
func Snapshot(opts Options) ([]ProcessInfo, error) { return nil, errUnsupported }

// Get is not implemented on this system: it returns an error wrapping
// errors.ErrUnsupported.
func Get(pid int, opts Options) (ProcessInfo, error) { return ProcessInfo{}, errUnsupported }

// ChildrenOf is not implemented on this system: it returns an error
// wrapping errors.ErrUnsupported.
func ChildrenOf(pid int) ([]int, error) { return nil, errUnsupported }

// TreePIDs is not implemented on this system: it returns an error
// wrapping errors.ErrUnsupported.
func TreePIDs(pid int) ([]int, error) { return nil, errUnsupported }
