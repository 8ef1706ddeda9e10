package matchers

import (
	"errors"
	"fmt"
	"strings"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"

	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// ListenOn succeeds when a member of the actual's tree listens on a
// socket of protocol proto (a TCP socket in the LISTEN state, a bound and
// unconnected UDP socket; IPv4 or IPv6), and stores the first such
// socket (lowest port) in *into when into is given, as gomega's Receive
// does. A socket of another network namespace (process.Listener's
// OtherNetNS), which the test cannot dial, does not count; the failure
// message lists it. A spec can so start a server on port 0 and wait for it without
// sleeping or parsing its log:
//
//	var ln process.Listener
//	Eventually(srv).Should(ListenOn(process.ProtocolTCP, &ln))
//	resp, err := http.Get("http://" + ln.DialAddr())
//
// The actual is a *sysprimstest.Process (asked through
// [sysprimstest.Process.Listeners]: only its container's members count)
// or a []process.Listener. A protocol other than process.ProtocolTCP and
// process.ProtocolUDP, or more than one into, panics. Off Linux the
// listing is unsupported and the matcher returns that error.
func ListenOn(proto process.Protocol, into ...*process.Listener) types.GomegaMatcher {
	if proto != process.ProtocolTCP && proto != process.ProtocolUDP {
		panic(fmt.Sprintf("sysprims: ListenOn(%q): pass process.ProtocolTCP or process.ProtocolUDP", proto))
	}
	if len(into) > 1 || (len(into) == 1 && into[0] == nil) {
		panic("sysprims: ListenOn takes at most one non-nil *process.Listener to store the socket in")
	}
	return &listenOnMatcher{proto: proto, into: into}
}

type listenOnMatcher struct {
	proto process.Protocol
	into  []*process.Listener
	seen  []process.Listener
	err   error // of the last listing
}

func (m *listenOnMatcher) Match(actual any) (bool, error) {
	m.seen, m.err = listenersOf(actual)
	for _, l := range m.seen {
		if l.Protocol == m.proto && !l.OtherNetNS {
			if len(m.into) == 1 {
				*m.into[0] = l
			}
			return true, nil
		}
	}
	if m.err != nil {
		return false, m.err
	}
	return false, nil
}

// listenersOf lists the sockets the actual's tree listens on. An error
// that leaves some listed (a member whose descriptors may not be read)
// comes back with them.
func listenersOf(actual any) ([]process.Listener, error) {
	switch a := actual.(type) {
	case *sysprimstest.Process:
		if a != nil {
			return a.Listeners()
		}
	case []process.Listener:
		return a, nil
	}
	return nil, fmt.Errorf("sysprims: ListenOn expects a *sysprimstest.Process or a []process.Listener, got:\n%s",
		format.Object(actual, 1))
}

func (m *listenOnMatcher) FailureMessage(actual any) string {
	return message(actual, fmt.Sprintf("to listen on %s, but its tree listens on %s", m.proto, listenerList(m.seen)))
}

func (m *listenOnMatcher) NegatedFailureMessage(actual any) string {
	return message(actual, fmt.Sprintf("not to listen on %s, but its tree listens on %s", m.proto, listenerList(m.seen)))
}

// MatchMayChangeInTheFuture is true for a Process that has not been torn
// down, on a system that can list its sockets.
func (m *listenOnMatcher) MatchMayChangeInTheFuture(actual any) bool {
	p, ok := actual.(*sysprimstest.Process)
	return ok && p != nil && p.Result() == nil && !errors.Is(m.err, errors.ErrUnsupported)
}

// listenerList shows sockets one per line, or "nothing".
func listenerList(ls []process.Listener) string {
	if len(ls) == 0 {
		return "nothing"
	}
	var b strings.Builder
	for _, l := range ls {
		b.WriteString("\n" + format.Indent + l.String())
	}
	return b.String()
}
