//go:build unix

package sysprimstest_test

import (
	"log/slog"
	"os"
	"os/exec"
	"time"

	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// What the harness did, as structured events: a CI log shows it without
// re-running under -v. A package would rather call
// sysprimstest.SetLogger(slog.New(slog.NewJSONHandler(os.Stderr, nil)))
// in TestMain; here the fields that change from run to run are dropped.
func ExampleWithLogger() {
	t := sysprimstest.NewRecorder("TestStubborn")
	defer t.Close()
	varying := map[string]bool{slog.TimeKey: true, "tree_id": true, "pid": true}
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if varying[a.Key] {
				return slog.Attr{}
			}
			return a
		},
	}))

	cmd := exec.Command("sh", "-c", `trap "" TERM; sleep 60`) // ignores SIGTERM
	sysprimstest.Run(t, 100*time.Millisecond, cmd, sysprimstest.WithGrace(100*time.Millisecond),
		sysprimstest.WithMechanism(process.MechanismProcessGroup), sysprimstest.WithLogger(log))
	// Output:
	// level=INFO msg=sysprims.tree_started mechanism=process_group reliability=best_effort grouping_requested=process_group
	// level=INFO msg=sysprims.signal_sent signal=SIGTERM target=tree
	// level=WARN msg=sysprims.escalated signal=SIGKILL grace_ms=100
}
