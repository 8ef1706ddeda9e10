package matchers_test

import (
	"testing"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

func TestMain(m *testing.M) {
	fixtures.Main()
	sysprimstest.VerifyTestMain(m)
}
