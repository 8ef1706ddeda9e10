package sysprimstest

import (
	"os"
	"testing"

	"github.com/3leaps/sysprims-go/fixtures"
)

func TestMain(m *testing.M) {
	fixtures.Main()
	if os.Getenv(envCrasher) == "kill" {
		os.Exit(crasherMain())
	}
	VerifyTestMain(m, WithDescriptors())
}
