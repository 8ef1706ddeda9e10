package proc

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
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

// TestListeningOtherNetNS marks a socket held in a network namespace
// other than the caller's: its address is that namespace's, which the
// caller cannot dial. A fake /proc holds the caller (self) and two
// holders of a listening socket, one in the caller's namespace.
func TestListeningOtherNetNS(t *testing.T) {
	root := t.TempDir()
	const table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n"
	mk := func(dir, ns string, inode int) {
		for _, d := range []string{dir + "/fd", dir + "/ns", dir + "/net"} {
			if err := os.MkdirAll(root+"/"+d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		must(t, os.Symlink(ns, root+"/"+dir+"/ns/net"))
		if inode == 0 {
			return
		}
		must(t, os.Symlink(fmt.Sprintf("socket:[%d]", inode), root+"/"+dir+"/fd/3"))
		must(t, os.WriteFile(root+"/"+dir+"/net/tcp", fmt.Appendf(nil, table, inode), 0o644))
		must(t, os.WriteFile(root+"/"+dir+"/net/udp", []byte(strings.SplitAfter(table, "\n")[0]), 0o644))
	}
	mk("self", "net:[4026531840]", 0)
	mk("100", "net:[4026531840]", 7001)
	mk("200", "net:[4026532999]", 7002)
	got, _, err := listening(root, []int{100, 200})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]bool{100: false, 200: true}
	if len(got) != 2 {
		t.Fatalf("listening = %v, want a socket of pid 100 and of pid 200", got)
	}
	for _, l := range got {
		if l.OtherNetNS != want[l.PID] || l.Port != 8080 {
			t.Errorf("%v: OtherNetNS %v, want %v (port 8080)", l, l.OtherNetNS, want[l.PID])
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
