package matchers

import (
	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/process"
	"github.com/onsi/gomega/types"
)

// IgnoringName matches a [process.Info] that goes by name: the name the
// kernel reports (on Linux truncated to 15 bytes) or the base name of its
// first argument, as sysprimstest.IgnoreName does. Pass it to
// [HaveLeakedProcesses] to excuse known long-lived processes.
func IgnoringName(name string) types.GomegaMatcher {
	return &ignoringMatcher{what: "to be named " + name, match: func(p process.Info) bool { return owner.GoesBy(p, name) }}
}
