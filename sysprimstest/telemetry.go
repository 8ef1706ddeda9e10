package sysprimstest

import (
	"errors"
	"log/slog"
	"sync/atomic"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/telemetry"
	"github.com/3leaps/sysprims-go/process"
)

// The structured events the library emits through log/slog, as record
// messages, once a logger is set ([SetLogger], [WithLogger]). Every event
// of a tree carries tree_id and pid (its root's).
const (
	// EventTreeStarted ("sysprims.tree_started", Info): a tree's root
	// started; mechanism, reliability, grouping_requested.
	EventTreeStarted = telemetry.TreeStarted
	// EventSignalSent ("sysprims.signal_sent", Info): a signal went to a
	// tree; signal, target ("tree": every member, "root": the root
	// alone), error when it failed.
	EventSignalSent = telemetry.SignalSent
	// EventEscalated ("sysprims.escalated", Warn): a tree still had
	// members after the grace period and got SIGKILL; signal, grace_ms.
	EventEscalated = telemetry.Escalated
	// EventMemberEscaped ("sysprims.member_escaped", Warn): a member was
	// found outside its tree's container; member (one line), escape
	// (how), killed.
	EventMemberEscaped = telemetry.MemberEscaped
	// EventLeakFound ("sysprims.leak_found", Error): a leak check or a
	// teardown found what outlived a test; test, kind ("process" or
	// "descriptor"), what (one line), note (what was done about it).
	EventLeakFound = telemetry.LeakFound
	// EventFallbackChosen ("sysprims.fallback_chosen", Warn): the tree's
	// container is not the one asked for, or a stronger one is missing
	// on this machine; requested, mechanism, reliability, why.
	EventFallbackChosen = telemetry.FallbackChosen
)

// defaultLogger is the logger of entry points given no [WithLogger].
var defaultLogger atomic.Pointer[slog.Logger]

// SetLogger sends the events of every later [Run], [Start],
// [TerminateTree], [VerifyNoLeaks] and [VerifyTestMain] that is given no
// [WithLogger] to l, so a CI log shows what the harness did without
// re-running under -v; nil (the default) turns them off. Call it from
// TestMain, before the tests start.
//
//	sysprimstest.SetLogger(slog.New(slog.NewJSONHandler(os.Stderr, nil)))
func SetLogger(l *slog.Logger) { defaultLogger.Store(l) }

// WithLogger sends the events of this entry point (and of the tree it
// starts) to l instead of the [SetLogger] one; WithLogger(nil) turns them
// off. The events are the Event constants of this package.
func WithLogger(l *slog.Logger) Option {
	return option{"WithLogger()", entryKilling | entryLeaks, func(s *settings) { s.logger = l }, nil}
}

// emitLeaks emits a leak_found event for each process and descriptor
// that errs (a *LeakError, a *DescriptorLeakError, or both) names.
func emitLeaks(l *slog.Logger, test string, errs ...error) {
	if l == nil {
		return
	}
	var le *LeakError
	var de *DescriptorLeakError
	for _, err := range errs {
		if errors.As(err, &le) {
			for _, p := range le.Survivors {
				emitLeak(l, test, p, le.notes[p.PID])
			}
		}
		if errors.As(err, &de) {
			for _, d := range de.Descriptors {
				telemetry.Emit(l, telemetry.LeakFound, slog.String(telemetry.KeyTest, test),
					slog.String("kind", "descriptor"), slog.String("what", d.String()))
			}
		}
	}
}

// emitLeak emits a leak_found event for process p.
func emitLeak(l *slog.Logger, test string, p process.Info, note string) {
	telemetry.Emit(l, telemetry.LeakFound, slog.String(telemetry.KeyTest, test),
		slog.String("kind", "process"), slog.String("what", owner.Line(p)), slog.String("note", note))
}
