package matchers_test

import (
	"net"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// TestListenOnProcess waits for a server on port 0 without a readiness
// line and reaches it through the address the matcher stored.
func TestListenOnProcess(t *testing.T) {
	g := newG(t)
	p := sysprimstest.Start(t, fixtures.Command("listen", "udp4", "child:tcp"))
	var ln process.Listener
	g.Eventually(p).Should(matchers.ListenOn(process.ProtocolTCP, &ln))
	g.Expect(p).To(matchers.ListenOn(process.ProtocolUDP))
	g.Expect(ln.PID).NotTo(Equal(p.Pid()), "the child holds the tcp socket")
	g.Expect(ln.Address.IsUnspecified()).To(BeTrue())
	conn, err := net.Dial("tcp", ln.DialAddr())
	g.Expect(err).NotTo(HaveOccurred())
	conn.Close()

	m := matchers.ListenOn(process.ProtocolTCP)
	g.Expect(m.(mayChange).MatchMayChangeInTheFuture(p)).To(BeTrue())
	p.Stop()
	g.Expect(m.Match(p)).To(BeFalse())
	g.Expect(m.FailureMessage(p)).To(ContainSubstring("listens on nothing"))
	g.Expect(m.(mayChange).MatchMayChangeInTheFuture(p)).To(BeFalse(), "torn down")
}
