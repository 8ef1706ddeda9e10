//go:build !linux

package proc

import (
	"errors"
	"fmt"
	"runtime"
)

// errNoPorts says this system has no listening-socket listing yet.
var errNoPorts = fmt.Errorf("sysprims: listening sockets on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// Listening is Linux only: it returns an error wrapping
// errors.ErrUnsupported.
func Listening(pids []int) ([]Listener, error) { return nil, errNoPorts }

// AllListening is Linux only: it returns an error wrapping
// errors.ErrUnsupported.
func AllListening() ([]Listener, error) { return nil, errNoPorts }

// NetSockets is Linux only: it returns an error wrapping
// errors.ErrUnsupported.
func NetSockets(pid int) (map[uint64]Socket, error) { return nil, errNoPorts }
