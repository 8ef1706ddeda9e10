//go:build unix

package matchers_test

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/waittest"
	"github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// startScenario starts a built-in fixture scenario through sysprimstest,
// waits until every process of it has reported and returns the reports.
func startScenario(t *testing.T, name string) (*sysprimstest.Process, []fixtures.Report) {
	t.Helper()
	sc := scenario(t, name)
	rep, err := fixtures.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Close() })
	cmd := fixtures.Command(sc.Name, sc.Args...)
	rep.Attach(cmd)
	p := sysprimstest.Start(t, cmd)
	t.Cleanup(func() { rep.KillAll() })
	reports, err := rep.Await(sc.Processes, waittest.Scale(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return p, reports
}

func scenario(t *testing.T, name string) fixtures.Scenario {
	for _, sc := range fixtures.Scenarios() {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no scenario %q", name)
	return fixtures.Scenario{}
}

func role(t *testing.T, reports []fixtures.Report, r string) fixtures.Report {
	t.Helper()
	for _, rep := range reports {
		if rep.Role == r {
			return rep
		}
	}
	t.Fatalf("no %q among %v", r, reports)
	return fixtures.Report{}
}

// TestNoOrphanDescendantsDaemon is the non-vacuity test: the matcher
// fails while a daemonized grandchild outlives its exited root, naming
// it, and passes once Stop has removed it.
func TestNoOrphanDescendantsDaemon(t *testing.T) {
	g := newG(t)
	p, reports := startScenario(t, "daemon")
	daemon := role(t, reports, "daemon")
	g.Eventually(p).Should(gbytes.Say("ready"))
	g.Eventually(p).Should(gexec.Exit(0))

	m := matchers.HaveNoOrphanDescendants()
	ok, err := m.Match(p)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeFalse(), "a live daemon must fail the matcher")
	msg := m.FailureMessage(p)
	g.Expect(msg).To(ContainSubstring(fmt.Sprintf("pid %d ", daemon.PID)))
	g.Expect(msg).To(ContainSubstring("escaped via setsid"))
	g.Expect(msg).To(ContainSubstring("its root has exited"))
	g.Expect(msg).To(MatchRegexp(`reparented to pid \d+ \(daemonized\)`))
	t.Log(msg)

	g.Expect(p.Stop()).To(matchers.BeTreeKilled())
	g.Expect(p).To(matchers.HaveNoOrphanDescendants())
}

// newG returns a Gomega for t whose Eventually waits long enough for a
// race-instrumented test binary to start (twice, with the subreaper shim).
func newG(t *testing.T) *WithT {
	g := NewWithT(t)
	g.SetDefaultEventuallyTimeout(waittest.Scale(20 * time.Second))
	return g
}
