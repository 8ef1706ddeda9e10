package timeout

import (
	"os"
	"testing"

	"github.com/3leaps/sysprims-go/fixtures"
)

// helperEnv, when set, makes the test binary run a helper mode instead of
// the tests (see callerMain).
const helperEnv = "SYSPRIMS_ENGINE_HELPER"

func TestMain(m *testing.M) {
	fixtures.Main()
	if mode := os.Getenv(helperEnv); mode != "" {
		callerMain(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}
