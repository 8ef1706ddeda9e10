package matchers

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/sysprimstest"
)

// IgnoringPID matches the sysprimstest.ProcessInfo with this pid. Pass it
// to [HaveLeakedProcesses] to excuse one known process.
func IgnoringPID(pid int) types.GomegaMatcher {
	return &ignoringMatcher{what: fmt.Sprintf("to have pid %d", pid), match: func(p sysprimstest.ProcessInfo) bool {
		return p.PID == pid
	}}
}
