package signal

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Info is one signal known to this platform.
type Info struct {
	Name   string `json:"name"`   // "SIGTERM"
	Number int    `json:"number"` // 15
}

// ErrInvalidPID reports a pid that must never be signalled: 0, negative,
// 1, the calling process, its parent, or the caller's own process group
// ([ValidatePID]), or a thread id. It is the one identity of every such
// refusal in the module: internal/owner's ErrProtected is this error, so
// errors.Is answers alike whichever layer refused.
var ErrInvalidPID = errors.New("sysprims: protected process")

// ErrPIDReused reports that a pid now belongs to another process than the
// one identified (its start time differs). Nothing was signalled.
var ErrPIDReused = errors.New("sysprims: pid reused by another process")

// Parse reads a signal given by name ("TERM", "SIGTERM", "term") or by
// number ("15"). Unknown names and numbers give an error naming the input.
func Parse(s string) (syscall.Signal, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if n, err := strconv.Atoi(t); err == nil {
		if n > 0 && Name(syscall.Signal(n)) != "" {
			return syscall.Signal(n), nil
		}
		return 0, fmt.Errorf("sysprims: unknown signal %q", s)
	}
	if !strings.HasPrefix(t, "SIG") {
		t = "SIG" + t
	}
	if sig, ok := byName(t); ok {
		return sig, nil
	}
	return 0, fmt.Errorf("sysprims: unknown signal %q", s)
}

// Name returns the name of sig ("SIGTERM"), or "" when the platform has
// no name for it.
func Name(sig syscall.Signal) string { return name(sig) }

// String returns the name of sig, or "signal N" when it has none.
func String(sig syscall.Signal) string {
	if n := name(sig); n != "" {
		return n
	}
	return "signal " + strconv.Itoa(int(sig))
}

// List returns every named signal of this platform, sorted by number.
func List() []Info {
	out := make([]Info, 0, 32)
	for _, sig := range all() {
		out = append(out, Info{Name: name(sig), Number: int(sig)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// IsTerminating reports whether sig asks a process to end (its default
// action is to terminate or dump core). Such signals are followed by
// SIGCONT when sent to a tree, so stopped members can act on them.
// SIGSTOP, SIGCONT, SIGCHLD and other job-control or ignored-by-default
// signals are not terminating.
func IsTerminating(sig syscall.Signal) bool { return terminating(sig) }

// ValidatePID returns an error wrapping [ErrInvalidPID] when pid is 0,
// negative, 1 (init), the calling process, its parent (go test, a shell,
// a CI wrapper), or the leader of the caller's own process group; nil
// otherwise. It does not check that pid exists. It costs no reads, for it
// is the send path's last safety net; internal/owner's Guard.CheckPID
// builds on it (every ancestor, thread ids), and its Refuse adds the rest
// of the ownership rule (pipeline partners, helpers, other containers).
func ValidatePID(pid int) error {
	switch {
	case pid == 0:
		return fmt.Errorf("%w: pid 0 means the caller's own process group", ErrInvalidPID)
	case pid < 0:
		return fmt.Errorf("%w: pid %d: negative pids address process groups", ErrInvalidPID, pid)
	case pid == 1:
		return fmt.Errorf("%w: pid 1 is init", ErrInvalidPID)
	case pid == os.Getpid():
		return fmt.Errorf("%w: pid %d is the caller", ErrInvalidPID, pid)
	case pid == os.Getppid():
		return fmt.Errorf("%w: pid %d is the caller's parent", ErrInvalidPID, pid)
	case pid == ownGroup():
		return fmt.Errorf("%w: pid %d leads the caller's own process group", ErrInvalidPID, pid)
	}
	return nil
}

// validateGroup refuses process groups that must never be signalled.
func validateGroup(pgid int) error {
	switch {
	case pgid <= 1:
		return fmt.Errorf("%w: process group %d", ErrInvalidPID, pgid)
	case pgid == ownGroup():
		return fmt.Errorf("%w: process group %d is the caller's own", ErrInvalidPID, pgid)
	case pgid == os.Getpid():
		return fmt.Errorf("%w: process group %d is led by the calling process", ErrInvalidPID, pgid)
	}
	return nil
}
