package sysprimstest

import (
	"net"
	"slices"
	"testing"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/process"
)

// TestListeners lists the sockets a tree listens on, each with the member
// that holds it, and reaches one; a socket of the test process itself is
// not the tree's, and nothing is listed once the tree is torn down.
func TestListeners(t *testing.T) {
	own, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	rec := NewRecorder("TestListeners")
	defer rec.Close()
	p := Start(rec, fixtures.Command("listen", "tcp4", "udp6", "child:tcp6"))
	<-p.Buffer().Detect("ready")
	p.Buffer().CancelDetects()

	ls, err := p.Listeners()
	if err != nil {
		t.Fatal(err)
	}
	members, _ := p.Members()
	byKind := map[string]process.Listener{}
	for _, l := range ls {
		kind := string(l.Protocol) + map[bool]string{true: "4", false: "6"}[l.Address.Is4()]
		byKind[kind] = l
		if !slices.ContainsFunc(members, func(m process.Info) bool { return m.PID == l.PID }) {
			t.Errorf("%v: pid is not a member of the tree %v", l, members)
		}
		if l.Port == own.Addr().(*net.TCPAddr).Port {
			t.Errorf("the test process's own socket is listed: %v", l)
		}
	}
	if len(ls) != 3 || byKind["tcp4"].PID != p.Pid() || byKind["udp6"].PID != p.Pid() || byKind["tcp6"].PID == p.Pid() || byKind["tcp6"].PID == 0 {
		t.Fatalf("Listeners() = %v, want tcp4 and udp6 of the root %d and tcp6 of its child", ls, p.Pid())
	}
	conn, err := net.Dial("tcp", byKind["tcp4"].DialAddr())
	if err != nil {
		t.Fatalf("dial %s: %v", byKind["tcp4"].DialAddr(), err)
	}
	conn.Close()

	p.Stop()
	if ls, err := p.Listeners(); len(ls) != 0 || err != nil {
		t.Errorf("after Stop: %v, %v", ls, err)
	}
}
