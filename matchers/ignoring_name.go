package matchers

import (
	"path/filepath"

	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/sysprimstest"
)

// IgnoringName matches a sysprimstest.ProcessInfo whose name (as the
// kernel reports it, possibly truncated) or whose command's base name
// (filepath.Base of the first argument) is name. Pass it to
// [HaveLeakedProcesses] to excuse known long-lived processes.
func IgnoringName(name string) types.GomegaMatcher {
	return &ignoringMatcher{what: "to be named " + name, match: func(p sysprimstest.ProcessInfo) bool {
		return p.Name == name || (len(p.Cmdline) > 0 && filepath.Base(p.Cmdline[0]) == name)
	}}
}
