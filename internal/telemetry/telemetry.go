package telemetry

import (
	"context"
	"log/slog"
)

// The events, as slog record messages.
const (
	// TreeStarted: a tree's root started in its container (tree_id, pid,
	// mechanism, reliability, grouping_requested).
	TreeStarted = "sysprims.tree_started"
	// SignalSent: a signal went to a tree, its root or a named process
	// (tree_id, pid, signal, target).
	SignalSent = "sysprims.signal_sent"
	// Escalated: a tree still had members after the grace period and
	// was sent SIGKILL (tree_id, pid, signal, grace_ms).
	Escalated = "sysprims.escalated"
	// MemberEscaped: a member of a tree was found outside its container
	// (tree_id, member, escape, killed).
	MemberEscaped = "sysprims.member_escaped"
	// LeakFound: a leak check found a process or a descriptor that
	// outlived its test (test, kind, process or descriptor, note).
	LeakFound = "sysprims.leak_found"
	// FallbackChosen: the container made is not the one asked for, or a
	// stronger one this system offers was missing (requested, mechanism,
	// reliability, why).
	FallbackChosen = "sysprims.fallback_chosen"
)

// Attribute keys shared by several events.
const (
	KeyTreeID      = "tree_id"
	KeyPID         = "pid"
	KeyMechanism   = "mechanism"
	KeyReliability = "reliability"
	KeySignal      = "signal"
	KeyTarget      = "target" // tree, root or process
	KeyTest        = "test"
)

// levels says at which level each event is emitted: what went as
// planned at Info, what a reader should look at at Warn, leaks at Error.
var levels = map[string]slog.Level{
	TreeStarted:    slog.LevelInfo,
	SignalSent:     slog.LevelInfo,
	Escalated:      slog.LevelWarn,
	MemberEscaped:  slog.LevelWarn,
	LeakFound:      slog.LevelError,
	FallbackChosen: slog.LevelWarn,
}

// Events lists every event name.
func Events() []string {
	return []string{TreeStarted, SignalSent, Escalated, MemberEscaped, LeakFound, FallbackChosen}
}

// Emit logs event with attrs on l, at the event's level. A nil l emits
// nothing.
func Emit(l *slog.Logger, event string, attrs ...slog.Attr) {
	if l == nil {
		return
	}
	l.LogAttrs(context.Background(), levels[event], event, attrs...)
}
