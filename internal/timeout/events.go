package timeout

import (
	"log/slog"
	"slices"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/internal/telemetry"
)

// emit sends event to cfg.Logger with the tree's id and root pid first.
func (t *Tree) emit(event string, attrs ...slog.Attr) {
	if t.cfg.Logger == nil {
		return
	}
	head := []slog.Attr{slog.String(telemetry.KeyTreeID, t.treeID), slog.Int(telemetry.KeyPID, t.c.PID())}
	telemetry.Emit(t.cfg.Logger, event, append(head, attrs...)...)
}

// emitStarted says the root started, in which container and with what
// promise.
func (t *Tree) emitStarted() {
	t.emit(telemetry.TreeStarted,
		slog.String(telemetry.KeyMechanism, string(t.c.Mechanism())),
		slog.String(telemetry.KeyReliability, string(t.c.Reliability())),
		slog.String("grouping_requested", groupingRequested(t.cfg.Mechanism)))
}

// emitSignal says sig went to target: "tree" (every member) or "root".
func (t *Tree) emitSignal(sig syscall.Signal, target string, err error) {
	attrs := []slog.Attr{slog.String(telemetry.KeySignal, signal.Name(sig)), slog.String(telemetry.KeyTarget, target)}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	t.emit(telemetry.SignalSent, attrs...)
}

// emitEscalated says the tree was not empty after the grace period and
// got SIGKILL.
func (t *Tree) emitEscalated() {
	t.emit(telemetry.Escalated, slog.String(telemetry.KeySignal, signal.Name(syscall.SIGKILL)),
		slog.Int64("grace_ms", t.grace().Milliseconds()))
}

// emitEscaped says each of ps was found outside the container, how, and
// whether it is gone since (not in left).
func (t *Tree) emitEscaped(ps []proc.ProcessInfo, how string, left []proc.ProcessInfo) {
	for _, p := range ps {
		gone := !slices.ContainsFunc(left, func(q proc.ProcessInfo) bool { return q.ID() == p.ID() })
		t.emit(telemetry.MemberEscaped, slog.String("member", owner.Line(p)),
			slog.String("escape", how), slog.Bool("killed", gone))
	}
}
