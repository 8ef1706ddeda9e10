package process

import (
	"encoding/json"
	"net/netip"
	"testing"
)

func TestListener(t *testing.T) {
	for _, tt := range []struct {
		l          Listener
		dial, text string
	}{
		{Listener{ProtocolTCP, netip.MustParseAddr("127.0.0.1"), 8080, 42, false}, "127.0.0.1:8080", "tcp 127.0.0.1:8080 pid 42"},
		{Listener{ProtocolTCP, netip.MustParseAddr("0.0.0.0"), 80, 0, false}, "127.0.0.1:80", "tcp 0.0.0.0:80"},
		{Listener{ProtocolUDP, netip.MustParseAddr("::"), 53, 7, false}, "[::1]:53", "udp [::]:53 pid 7"},
		{Listener{ProtocolUDP, netip.MustParseAddr("fe80::1"), 5353, 7, false}, "[fe80::1]:5353", "udp [fe80::1]:5353 pid 7"},
		{Listener{ProtocolTCP, netip.MustParseAddr("10.0.0.2"), 80, 9, true}, "10.0.0.2:80", "tcp 10.0.0.2:80 pid 9 (another network namespace)"},
	} {
		if got := tt.l.DialAddr(); got != tt.dial {
			t.Errorf("%+v: DialAddr() = %q, want %q", tt.l, got, tt.dial)
		}
		if got := tt.l.String(); got != tt.text {
			t.Errorf("%+v: String() = %q, want %q", tt.l, got, tt.text)
		}
	}
	b, err := json.Marshal(Listener{ProtocolTCP, netip.MustParseAddr("::1"), 443, 9, false})
	if want := `{"protocol":"tcp","local_addr":"::1","local_port":443,"pid":9}`; err != nil || string(b) != want {
		t.Errorf("json %s %v, want %s", b, err, want)
	}
}
