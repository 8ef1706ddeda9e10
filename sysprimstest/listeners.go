package sysprimstest

import "github.com/3leaps/sysprims-go/process"

// Listeners lists the sockets the tree listens on — TCP sockets in the
// LISTEN state and bound, unconnected UDP sockets, IPv4 and IPv6 — each
// with the member that holds it, sorted by port. A server started on port
// 0 can be reached without parsing its log:
//
//	ls, err := srv.Listeners()
//	... http.Get("http://" + ls[0].DialAddr())
//
// or waited for with matchers.ListenOn. Only the members the tree's
// container holds are asked (what the tree provably owns); a socket
// inherited from the test process counts when a member holds it. It
// returns nothing once the tree is torn down.
//
// Linux reads the members' descriptors (/proc/PID/fd) and the socket
// tables of their network namespace (/proc/PID/net/{tcp,tcp6,udp,udp6}).
// Elsewhere it returns an error wrapping errors.ErrUnsupported.
func (p *Process) Listeners() ([]process.Listener, error) {
	if p.tree == nil {
		return nil, p.startErr
	}
	return p.tree.Listening()
}
