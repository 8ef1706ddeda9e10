package proc

import (
	"net"
	"os"
	"slices"
	"testing"

	"github.com/3leaps/sysprims-go/process"
)

// TestListening finds the sockets this test process listens on, TCP and
// UDP over IPv4 and IPv6, and not the connected ones.
func TestListening(t *testing.T) {
	var want []Listener
	listen := func(network, addr string) {
		ln, err := net.Listen(network, addr)
		if err != nil {
			t.Skipf("%s %s: %v", network, addr, err)
		}
		t.Cleanup(func() { ln.Close() })
		ap := ln.Addr().(*net.TCPAddr).AddrPort()
		want = append(want, Listener{Protocol: process.ProtocolTCP, Address: ap.Addr(), Port: int(ap.Port()), PID: os.Getpid()})
	}
	listenUDP := func(network, addr string) {
		c, err := net.ListenPacket(network, addr)
		if err != nil {
			t.Skipf("%s %s: %v", network, addr, err)
		}
		t.Cleanup(func() { c.Close() })
		ap := c.LocalAddr().(*net.UDPAddr).AddrPort()
		want = append(want, Listener{Protocol: process.ProtocolUDP, Address: ap.Addr(), Port: int(ap.Port()), PID: os.Getpid()})
	}
	listen("tcp4", "127.0.0.1:0")
	listen("tcp6", "[::1]:0")
	listenUDP("udp4", "127.0.0.1:0")
	listenUDP("udp6", "[::1]:0")
	conn, err := net.Dial("tcp", want[0].DialAddr()) // a connected socket, not listed
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	got, err := Listening([]int{os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %v in %v", w, got)
		}
	}
	local := conn.LocalAddr().(*net.TCPAddr).AddrPort()
	for _, l := range got {
		if l.AddrPort() == local {
			t.Errorf("the connected socket %v is listed as listening", l)
		}
	}

	all, err := AllListening()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !slices.Contains(all, w) {
			t.Errorf("AllListening lacks %v", w)
		}
	}
}

// TestListeningGone skips a process that has exited.
func TestListeningGone(t *testing.T) {
	if ls, err := Listening([]int{1 << 30}); err != nil || len(ls) != 0 {
		t.Errorf("Listening(no such pid) = %v, %v", ls, err)
	}
}
