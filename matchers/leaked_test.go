package matchers_test

import (
	"errors"
	"os"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/process"
)

func marked(pid int, name string) process.Info {
	return process.Info{PID: pid, PPID: 1, PGID: pid, SID: pid, Name: name, State: proc.StateSleeping,
		StartTimeUnixMs: int64(pid), Cmdline: []string{"/usr/bin/" + name},
		Markers: map[string]string{owner.EnvRunID: owner.RunID(), owner.EnvTest: "TestLeaky"}}
}

func TestHaveLeakedProcessesOnSnapshots(t *testing.T) {
	g := NewWithT(t)
	a, b := marked(910001, "agentd"), marked(910002, "worker")
	stranger := marked(910003, "other")
	stranger.Markers = nil // not ours, not our descendant
	me := process.Info{PID: os.Getpid(), State: proc.StateRunning}
	before := []process.Info{me, a}
	after := []process.Info{me, a, b, stranger}

	m := matchers.HaveLeakedProcesses(before)
	ok, err := m.Match(after)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeTrue())
	msg := m.NegatedFailureMessage(after)
	g.Expect(msg).To(ContainSubstring("1 did"))
	g.Expect(msg).To(ContainSubstring("pid 910002 ppid 1 pgid 910002 sid 910002 [sleeping] /usr/bin/worker (started by TestLeaky)"))
	g.Expect(msg).NotTo(ContainSubstring("910003"))

	g.Expect(after).NotTo(matchers.HaveLeakedProcesses(before, matchers.IgnoringName("worker")))
	g.Expect(after).NotTo(matchers.HaveLeakedProcesses(before, matchers.IgnoringPID(910002)))
	g.Expect(after).NotTo(matchers.HaveLeakedProcesses(before, matchers.IgnoringProcess(HaveField("Name", "worker"))))
	g.Expect(after).NotTo(matchers.HaveLeakedProcesses(before, HaveField("PID", 910002)))
	g.Expect(after).To(matchers.HaveLeakedProcesses(before, matchers.IgnoringName("agentd")))
	g.Expect(before).NotTo(matchers.HaveLeakedProcesses(before))
	g.Expect(matchers.HaveLeakedProcesses().FailureMessage(nil)).To(Equal("Expected processes to have leaked, but none did"))

	// A zombie is never a leak; a reused pid is not the baseline's process.
	zb := b
	zb.State = proc.StateZombie
	g.Expect([]process.Info{me, zb}).NotTo(matchers.HaveLeakedProcesses())
	reused := a
	reused.StartTimeUnixMs++
	g.Expect([]process.Info{me, reused}).To(matchers.HaveLeakedProcesses(before))
}

func TestHaveLeakedProcessesActualForms(t *testing.T) {
	g := NewWithT(t)
	leak := []process.Info{marked(910004, "leak")}
	m := matchers.HaveLeakedProcesses()
	mc := m.(interface{ MatchMayChangeInTheFuture(any) bool })
	plain := func() []process.Info { return leak }
	withErr := func() ([]process.Info, error) { return leak, nil }
	for _, actual := range []any{plain, withErr} {
		g.Expect(m.Match(actual)).To(BeTrue())
		g.Expect(mc.MatchMayChangeInTheFuture(actual)).To(BeTrue())
	}
	g.Expect(mc.MatchMayChangeInTheFuture(leak)).To(BeFalse())

	failing := func() ([]process.Info, error) { return nil, errors.New("boom") }
	_, err := m.Match(failing)
	g.Expect(err).To(MatchError(ContainSubstring("snapshot: boom")))

	bad := matchers.HaveLeakedProcesses(HaveField("NoSuchField", 1))
	_, err = bad.Match(leak)
	g.Expect(err).To(MatchError(ContainSubstring("ignore matcher")))
}

func TestIgnoringMatchers(t *testing.T) {
	g := NewWithT(t)
	p := marked(910005, "longname-truncated")
	p.Name = "longname-trunca"
	g.Expect(p).To(matchers.IgnoringName("longname-truncated"))
	g.Expect(&p).To(matchers.IgnoringName("longname-trunca"))
	g.Expect(p).NotTo(matchers.IgnoringName("longname"))
	g.Expect(p).To(matchers.IgnoringPID(910005))
	g.Expect(p).To(matchers.IgnoringProcess(HaveField("PID", 910005)))

	m := matchers.IgnoringPID(1)
	g.Expect(m.FailureMessage(p)).To(ContainSubstring("to have pid 1"))
	g.Expect(m.NegatedFailureMessage(p)).To(ContainSubstring("not to have pid 1"))
	ip := matchers.IgnoringProcess(HaveField("PID", 1))
	g.Expect(ip.Match(p)).To(BeFalse())
	g.Expect(ip.FailureMessage(p)).To(ContainSubstring("PID"))
	g.Expect(ip.NegatedFailureMessage(p)).NotTo(BeEmpty())
}
