package ginkgo_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// TestMain enters a fixture when this binary was re-executed as one, and
// otherwise runs the suite and fails it if any process it started
// outlived it.
func TestMain(m *testing.M) {
	fixtures.Main()
	sysprimstest.VerifyTestMain(m)
}

func TestExamples(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "sysprims Ginkgo example suite")
}
