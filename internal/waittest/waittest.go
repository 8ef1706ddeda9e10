// Package waittest is what this module's tests share to wait on the
// world: one poll-until helper, and one factor from the environment that
// scales every fixed wall-clock bound, as Go's own tests do with
// GO_TEST_TIMEOUT_SCALE (a slow machine, -race, an emulator such as Wine).
// It imports nothing from this module, so any package's tests can use it.
//
// Polling is for conditions nothing signals (a process gone from /proc, a
// reparented orphan); readiness is signalled by the fixtures, never
// polled for.
package waittest

import (
	"os"
	"strconv"
	"time"
)

// ScaleEnv names the environment variable holding the time factor: a
// whole number, 1 when unset or not a positive number.
const ScaleEnv = "GO_TEST_TIMEOUT_SCALE"

// Factor returns the time factor from [ScaleEnv].
func Factor() int {
	n, err := strconv.Atoi(os.Getenv(ScaleEnv))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// Scale returns d multiplied by [Factor]: every fixed wall-clock bound of
// a test goes through it.
func Scale(d time.Duration) time.Duration { return d * time.Duration(Factor()) }

// Until calls cond until it returns true or Scale(d) has passed, and
// reports whether it returned true. It polls every millisecond at first,
// backing off to every 10 ms.
func Until(d time.Duration, cond func() bool) bool {
	return UntilDeadline(time.Now().Add(Scale(d)), cond)
}

// UntilDeadline is [Until] with a deadline that is not scaled: for a
// bound that is part of what the code promises (a library's own wait),
// not a test's patience.
func UntilDeadline(deadline time.Time, cond func() bool) bool {
	pause := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
		pause = min(2*pause, 10*time.Millisecond)
	}
	return true
}
