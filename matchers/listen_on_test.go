package matchers_test

import (
	"net/netip"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/process"
)

func TestListenOnListing(t *testing.T) {
	g := NewWithT(t)
	udp := process.Listener{Protocol: process.ProtocolUDP, Address: netip.MustParseAddr("::1"), Port: 5353, PID: 7}
	tcp := process.Listener{Protocol: process.ProtocolTCP, Address: netip.MustParseAddr("0.0.0.0"), Port: 8080, PID: 8}
	var got process.Listener
	g.Expect([]process.Listener{udp, tcp}).To(matchers.ListenOn(process.ProtocolTCP, &got))
	g.Expect(got).To(Equal(tcp))
	g.Expect(got.DialAddr()).To(Equal("127.0.0.1:8080"))

	m := matchers.ListenOn(process.ProtocolTCP)
	g.Expect(m.Match([]process.Listener{udp})).To(BeFalse())
	g.Expect(m.FailureMessage([]process.Listener{udp})).To(ContainSubstring("to listen on tcp, but its tree listens on \n    udp [::1]:5353 pid 7"))
	g.Expect(m.Match([]process.Listener(nil))).To(BeFalse())
	g.Expect(m.FailureMessage([]process.Listener(nil))).To(ContainSubstring("listens on nothing"))
	g.Expect(m.(interface{ MatchMayChangeInTheFuture(any) bool }).MatchMayChangeInTheFuture([]process.Listener{})).To(BeFalse())

	// A socket of another network namespace cannot be dialled from the
	// test: it does not count, and the failure says where it is.
	away := process.Listener{Protocol: process.ProtocolTCP, Address: netip.MustParseAddr("127.0.0.1"), Port: 9090, PID: 9, OtherNetNS: true}
	g.Expect(m.Match([]process.Listener{away})).To(BeFalse())
	g.Expect(m.FailureMessage([]process.Listener{away})).To(ContainSubstring("tcp 127.0.0.1:9090 pid 9 (another network namespace)"))
	g.Expect([]process.Listener{away, tcp}).To(matchers.ListenOn(process.ProtocolTCP, &got))
	g.Expect(got).To(Equal(tcp))

	_, err := m.Match(42)
	g.Expect(err).To(MatchError(ContainSubstring("ListenOn expects a *sysprimstest.Process")))
	g.Expect(func() { matchers.ListenOn("sctp") }).To(PanicWith(ContainSubstring("pass process.ProtocolTCP")))
	g.Expect(func() { matchers.ListenOn(process.ProtocolUDP, nil) }).To(Panic())
}
