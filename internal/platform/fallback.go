package platform

import (
	"log/slog"
	"runtime"
	"strings"

	"github.com/3leaps/sysprims-go/internal/telemetry"
	"github.com/3leaps/sysprims-go/process"
)

// noteFallback emits a fallback event on spec.Logger when the container
// made (got) is not the one spec asked for, or, asked for none, when a
// stronger mechanism is missing here: why holds the probe's notes about
// the missing mechanisms and the errors of the candidates that failed.
func noteFallback(spec Spec, caps Caps, got Mechanism, failed []error) {
	if spec.Logger == nil {
		return
	}
	why := fallbackReasons(spec.Mechanism, caps, got)
	for _, err := range failed {
		why = append(why, err.Error())
	}
	if spec.Mechanism != MechanismAuto && spec.Mechanism != got && len(why) == 0 {
		why = append(why, string(spec.Mechanism)+": not available on "+runtime.GOOS)
	}
	if len(why) == 0 {
		return
	}
	telemetry.Emit(spec.Logger, telemetry.FallbackChosen,
		slog.String(telemetry.KeyTreeID, spec.Name),
		slog.String("requested", groupingName(spec.Mechanism)),
		slog.String(telemetry.KeyMechanism, string(got)),
		slog.String(telemetry.KeyReliability, string(ReliabilityOf(got))),
		slog.String("why", strings.Join(why, "; ")))
}

// fallbackReasons returns the probe's notes on the mechanisms stronger
// than got that were wanted (the one asked for, or any when none was)
// and are missing here. A mechanism the probe found usable has notes
// only on what its accounting lacks; when it was not made, the error of
// its build says why.
func fallbackReasons(asked Mechanism, caps Caps, got Mechanism) []string {
	var why []string
	for _, m := range process.Mechanisms() {
		if m == got {
			break
		}
		if (asked != MechanismAuto && m != asked) || caps.Has(m) {
			continue
		}
		for _, n := range caps.Notes {
			if strings.HasPrefix(n, string(m)+":") {
				why = append(why, n)
			}
		}
	}
	return why
}

// groupingName names a requested mechanism as the sysprims
// grouping_requested field does.
func groupingName(m Mechanism) string {
	if m == MechanismAuto {
		return "group_by_default"
	}
	return string(m)
}
