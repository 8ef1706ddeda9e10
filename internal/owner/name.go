package owner

import (
	"path/filepath"

	"github.com/3leaps/sysprims-go/process"
)

// GoesBy reports whether p goes by name: its name as the kernel reports it
// (on Linux truncated to 15 bytes) or the base name of its first argument
// (which needs the command line). It is the one rule behind
// sysprimstest.IgnoreName and matchers.IgnoringName.
func GoesBy(p process.Info, name string) bool {
	return name != "" && (p.Name == name || (len(p.Cmdline) > 0 && filepath.Base(p.Cmdline[0]) == name))
}
