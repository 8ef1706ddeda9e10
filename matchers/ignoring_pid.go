package matchers

import (
	"fmt"

	"github.com/3leaps/sysprims-go/process"
	"github.com/onsi/gomega/types"
)

// IgnoringPID matches the process.Info with this pid. Pass it
// to [HaveLeakedProcesses] to excuse one known process.
func IgnoringPID(pid int) types.GomegaMatcher {
	return &ignoringMatcher{what: fmt.Sprintf("to have pid %d", pid), match: func(p process.Info) bool {
		return p.PID == pid
	}}
}
