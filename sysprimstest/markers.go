package sysprimstest

import "github.com/3leaps/sysprims-go/internal/owner"

// The environment markers every process started through this package
// carries. They survive reparenting and setsid, so a leak can be named
// after the test that made it; a process that clears its environment loses
// them, which is why the containers, not the markers, do the killing. Only
// markers minted by this test binary count: one it inherited (from
// sysprims-leakcheck run, say) names another run's tree, never one of its
// own.
const (
	EnvRunID  = owner.EnvRunID  // one per test binary run
	EnvTreeID = owner.EnvTreeID // one per started tree
	EnvTest   = owner.EnvTest   // the name of the test that started it
)

// RunID returns the marker value that names this test binary run.
func RunID() string { return owner.RunID() }

// IsHelper reports whether p is one of this library's own helper
// processes (a subreaper shim or the cgroup guardian). Helpers end with the
// trees or the binary they serve, so leak checks skip them.
func IsHelper(p ProcessInfo) bool { return owner.IsHelper(p) }
