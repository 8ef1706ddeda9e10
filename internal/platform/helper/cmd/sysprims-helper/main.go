// Command sysprims-helper is the subreaper shim and cgroup guardian of
// sysprims-go. internal/platform builds it from its embedded source and
// starts it; it is not meant to be run by hand.
package main

import (
	"os"

	"github.com/3leaps/sysprims-go/internal/platform/helper"
)

func main() { os.Exit(helper.Main(os.Args)) }
