package process

import (
	"fmt"
	"net/netip"
	"strconv"
)

// Protocol is the transport of a listening socket, as the sysprims ports
// listing spells it.
type Protocol string

// The protocols a listener can have; the address says IPv4 or IPv6.
const (
	ProtocolTCP Protocol = "tcp"
	ProtocolUDP Protocol = "udp"
)

// Listener is one socket a process listens on: a TCP socket in the LISTEN
// state, or a UDP socket bound to a port and not connected. The JSON
// names follow the sysprims ports listing (schemas/ports-snapshot.schema.json).
type Listener struct {
	// Protocol is tcp or udp.
	Protocol Protocol `json:"protocol"`
	// Address is the local address the socket is bound to; the
	// unspecified address (0.0.0.0 or ::) means every local address. An
	// IPv6 socket that also takes IPv4 shows as ::.
	Address netip.Addr `json:"local_addr"`
	// Port is the local port.
	Port int `json:"local_port"`
	// PID is the process that holds the socket open, 0 when no process
	// this caller may inspect does (another user's, without privilege).
	// A socket shared by several processes (a server and the workers it
	// forked) is listed once for each.
	PID int `json:"pid,omitempty"`
	// OtherNetNS is true when the holder runs in a network namespace
	// other than the caller's (unshare -n, a container): Address and Port
	// are that namespace's, and DialAddr does not reach the socket from
	// the caller.
	OtherNetNS bool `json:"other_netns,omitempty"`
}

// AddrPort returns the local address and port.
func (l Listener) AddrPort() netip.AddrPort {
	return netip.AddrPortFrom(l.Address, uint16(l.Port))
}

// DialAddr returns a "host:port" to connect to the socket from this
// machine: its address, or the loopback address of its family when it is
// bound to every address. For a socket of another network namespace
// (OtherNetNS) it is that namespace's address, which the caller's
// namespace does not reach.
func (l Listener) DialAddr() string {
	a := l.Address
	switch {
	case a.Is4() && a.IsUnspecified():
		a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	case a.IsUnspecified():
		a = netip.IPv6Loopback()
	}
	return netip.AddrPortFrom(a, uint16(l.Port)).String()
}

// String formats l on one line for people: "tcp 127.0.0.1:4242 pid 77".
func (l Listener) String() string {
	s := fmt.Sprintf("%s %s", l.Protocol, l.AddrPort())
	if l.PID != 0 {
		s += " pid " + strconv.Itoa(l.PID)
	}
	if l.OtherNetNS {
		s += " (another network namespace)"
	}
	return s
}
