//go:build unix

package matchers_test

import (
	"fmt"
	"os/exec"
	"syscall"
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

type mayChange interface{ MatchMayChangeInTheFuture(any) bool }

func TestExitCodeOnProcess(t *testing.T) {
	g := newG(t)
	p := sysprimstest.Start(t, fixtures.Command("exit", "3"))
	g.Eventually(p).Should(matchers.HaveExitCode(3))
	g.Expect(p).To(gexec.Exit(3))
	m := matchers.HaveExitCode(4)
	g.Expect(m.Match(p)).To(BeFalse())
	g.Expect(m.FailureMessage(p)).To(ContainSubstring("not yet waited for"))
	g.Expect(m.(mayChange).MatchMayChangeInTheFuture(p)).To(BeTrue(), "no Result yet")
	g.Expect(p.Wait(waittest.Scale(5 * time.Second))).To(matchers.HaveExitCode(3))
	g.Expect(p).To(matchers.HaveExitCode(3))
	g.Expect(m.(mayChange).MatchMayChangeInTheFuture(p)).To(BeFalse(), "the Process has a Result")
	g.Expect(p).To(matchers.BeTreeKilled())
}

func TestKilledByOnProcess(t *testing.T) {
	g := newG(t)
	p := sysprimstest.Start(t, fixtures.Command("sleeper"))
	g.Eventually(p).Should(gbytes.Say("ready"))
	m := matchers.HaveBeenKilledBy(syscall.SIGKILL)
	g.Expect(m.Match(p)).To(BeFalse())
	g.Expect(m.FailureMessage(p)).To(ContainSubstring("it is still running"))
	g.Expect(m.(mayChange).MatchMayChangeInTheFuture(p)).To(BeTrue())
	g.Expect(p).NotTo(matchers.HaveTimedOut())

	g.Eventually(p.Kill()).Should(matchers.HaveBeenKilledBy(syscall.SIGKILL))
	g.Expect(p).To(gexec.Exit(128 + int(syscall.SIGKILL)))
	g.Expect(p).NotTo(matchers.HaveExitCode(128 + int(syscall.SIGKILL)))
	res := p.Stop()
	g.Expect(res).To(matchers.HaveBeenKilledBy(syscall.SIGKILL))
	g.Expect(p).To(matchers.HaveBeenKilledBy(syscall.SIGKILL))
	g.Expect(p).To(matchers.BeTreeKilled(res.Reliability))
}

// A root that exits with 137 by itself was not killed by SIGKILL, also
// before the Process has a Result: the matchers read the exact status,
// not gexec's ExitCode. Before, they decoded 128+n back into a signal.
func TestExit137IsNotSIGKILL(t *testing.T) {
	g := newG(t)
	p := sysprimstest.Start(t, fixtures.Command("exit", "137"))
	g.Eventually(p.Exited()).Should(BeClosed())
	g.Expect(p).To(gexec.Exit(137))
	g.Expect(p).To(matchers.HaveExitCode(137))
	g.Expect(p).NotTo(matchers.HaveBeenKilledBy(syscall.SIGKILL))
	g.Expect(p.Stop()).To(matchers.HaveExitCode(137))
}

func TestTimedOutRun(t *testing.T) {
	g := newG(t)
	res := sysprimstest.Run(t, 100*time.Millisecond, fixtures.Command("sleeper"))
	g.Expect(res).To(matchers.HaveTimedOut())
	g.Expect(res).To(matchers.BeTreeKilled())
	g.Expect(res).NotTo(matchers.HaveExitCode(0))
	t.Logf("teardown: %v", res)
}

func TestDescendantsOnProcess(t *testing.T) {
	g := newG(t)
	p, reports := startScenario(t, "grandchild")
	g.Eventually(p).Should(gbytes.Say("ready"))
	g.Expect(p).To(matchers.HaveDescendants(HaveLen(2)))
	g.Expect(p).To(matchers.HaveDescendants(ContainElement(HaveField("PID", role(t, reports, "grandchild").PID))))

	m := matchers.HaveDescendants(HaveLen(5))
	g.Expect(m.Match(p)).To(BeFalse())
	msg := m.FailureMessage(p)
	for _, r := range []string{"child", "grandchild"} {
		g.Expect(msg).To(ContainSubstring(fmt.Sprintf("pid %d ", role(t, reports, r).PID)))
	}
	g.Expect(msg).To(ContainSubstring("to have length 5"))
	g.Expect(m.(mayChange).MatchMayChangeInTheFuture(p)).To(BeTrue())
	g.Expect(m.NegatedFailureMessage(p)).To(ContainSubstring("not to have length 5"))

	g.Expect(p.Stop()).To(matchers.BeTreeKilled())
	g.Expect(p).To(matchers.HaveDescendants(BeEmpty()))
	g.Expect(m.(mayChange).MatchMayChangeInTheFuture(p)).To(BeFalse())
}

func TestTreeKilledBeforeStop(t *testing.T) {
	g := newG(t)
	p := sysprimstest.Start(t, fixtures.Command("sleeper"))
	m := matchers.BeTreeKilled()
	g.Expect(m.Match(p)).To(BeFalse())
	g.Expect(m.FailureMessage(p)).To(ContainSubstring("has not been stopped or waited for"))
	g.Expect(m.(mayChange).MatchMayChangeInTheFuture(p)).To(BeTrue())
	to := matchers.HaveTimedOut()
	g.Expect(to.Match(p)).To(BeFalse())
	g.Expect(to.FailureMessage(p)).To(MatchRegexp(`\(pid \d+, tree \S+\): running\nto have timed out, but it has not been waited for`))
	t.Logf("%v", p.Stop())
	g.Expect(p).To(matchers.BeTreeKilled())
}

// TestNoOrphansSetsidRootKilled: an escapee in a new session is inside
// the tree while its parent lives, and an orphan once the root is gone,
// by the Process, by pid while the root lives, and by snapshot.
func TestNoOrphansSetsidRootKilled(t *testing.T) {
	g := newG(t)
	p, reports := startScenario(t, "setsid")
	escapee := role(t, reports, "escapee(setsid)")
	g.Eventually(p).Should(gbytes.Say("ready"))
	listing, err := p.Members()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(listing).To(HaveLen(2))
	g.Expect(p).To(matchers.HaveNoOrphanDescendants())
	g.Expect(p.Pid()).To(matchers.HaveNoOrphanDescendants())
	g.Expect(listing).To(matchers.HaveNoOrphanDescendants())
	_, err = matchers.HaveNoOrphanDescendants().Match(escapee.PID)
	g.Expect(err).To(MatchError(ContainSubstring("is not the root")))
	neg := matchers.HaveNoOrphanDescendants()
	g.Expect(neg.Match(p)).To(BeTrue())
	g.Expect(neg.NegatedFailureMessage(p)).To(ContainSubstring("none lives outside its tree"))

	g.Expect(sysprimstest.Signal(p.Pid(), syscall.SIGKILL)).To(Succeed())
	g.Eventually(p).Should(gexec.Exit())
	for _, actual := range []any{p, listing} {
		m := matchers.HaveNoOrphanDescendants()
		g.Expect(m.Match(actual)).To(BeFalse(), "%T", actual)
		msg := m.FailureMessage(actual)
		g.Expect(msg).To(ContainSubstring(fmt.Sprintf("pid %d ", escapee.PID)))
		g.Expect(msg).To(ContainSubstring("escaped via setsid"))
		g.Expect(msg).To(ContainSubstring("its root has exited"))
		g.Expect(m.(mayChange).MatchMayChangeInTheFuture(actual)).To(BeTrue())
	}
	_, err = matchers.HaveNoOrphanDescendants().Match(p.Pid())
	g.Expect(err).To(MatchError(ContainSubstring("is not running")))

	g.Expect(p.Stop()).To(matchers.BeTreeKilled())
	g.Expect(p).To(matchers.HaveNoOrphanDescendants())
	g.Expect(listing).To(matchers.HaveNoOrphanDescendants())
}

func TestNoOrphansUnmarkedPID(t *testing.T) {
	g := newG(t)
	cmd := exec.Command("sleep", "60")
	g.Expect(cmd.Start()).To(Succeed())
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	_, err := matchers.HaveNoOrphanDescendants().Match(cmd.Process.Pid)
	g.Expect(err).To(MatchError(ContainSubstring("carries no SYSPRIMS_TREE_ID marker")))
}

func TestHaveLeakedProcessesLive(t *testing.T) {
	g := newG(t)
	before, err := sysprimstest.Snapshot()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(sysprimstest.Snapshot).NotTo(matchers.HaveLeakedProcesses(before))

	p := sysprimstest.Start(t, fixtures.Command("sleeper"))
	g.Eventually(p).Should(gbytes.Say("ready"))
	// A process started without the library, a child of the test process.
	raw := fixtures.Command("sleeper")
	out := gbytes.NewBuffer()
	raw.Stdout = out
	g.Expect(raw.Start()).To(Succeed())
	defer func() {
		raw.Process.Kill()
		raw.Wait()
	}()
	g.Eventually(out).Should(gbytes.Say("ready"))

	m := matchers.HaveLeakedProcesses(before)
	g.Expect(m.Match(sysprimstest.Snapshot)).To(BeTrue())
	msg := m.NegatedFailureMessage(nil)
	g.Expect(msg).To(ContainSubstring(fmt.Sprintf("pid %d ", p.Pid())))
	g.Expect(msg).To(ContainSubstring("(started by " + t.Name() + ")"))
	g.Expect(msg).To(ContainSubstring(fmt.Sprintf("pid %d ", raw.Process.Pid)))
	g.Expect(sysprimstest.Snapshot).NotTo(matchers.HaveLeakedProcesses(before,
		matchers.IgnoringPID(p.Pid()), matchers.IgnoringPID(raw.Process.Pid)))

	p.Stop()
	g.Expect(raw.Process.Kill()).To(Succeed())
	raw.Wait()
	g.Eventually(sysprimstest.Snapshot).ShouldNot(matchers.HaveLeakedProcesses(before))
}
