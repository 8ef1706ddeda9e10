package proc

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/3leaps/sysprims-go/process"
)

// hostWord renders four address bytes as the kernel prints them: one
// 32-bit word in host byte order.
func hostWord(b [4]byte) string {
	const digits = "0123456789ABCDEF"
	v := binary.NativeEndian.Uint32(b[:])
	out := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		out[i] = digits[v&0xf]
		v >>= 4
	}
	return string(out)
}

func TestParseNetTable(t *testing.T) {
	lo := hostWord([4]byte{127, 0, 0, 1})
	any4 := hostWord([4]byte{})
	v6 := [16]byte{15: 1} // ::1
	var lo6 strings.Builder
	for i := 0; i < 16; i += 4 {
		lo6.WriteString(hostWord([4]byte(v6[i : i+4])))
	}
	zero6 := strings.Repeat("0", 32)
	tcp := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: " + lo + ":1F90 " + any4 + ":0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0\n" +
		"   1: " + lo + ":C350 " + lo + ":1F90 01 00000000:00000000 00:00000000 00000000  1000        0 4243 1 0 20 4 30 10 -1\n"
	tcp6 := "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: " + lo6.String() + ":0050 " + zero6 + ":0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0 100 0 0 10 0\n"
	udp := "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
		"  5: " + any4 + ":0035 " + any4 + ":0000 07 00000000:00000000 00:00000000 00000000     0        0 88 2 0 0\n" +
		"  6: " + any4 + ":0000 " + any4 + ":0000 07 00000000:00000000 00:00000000 00000000     0        0 89 2 0 0\n" +
		"  7: " + lo + ":D000 " + lo + ":0035 01 00000000:00000000 00:00000000 00000000     0        0 90 2 0 0\n"

	tests := []struct {
		name  string
		table string
		proto process.Protocol
		want  []string // String of each socket
		listn []bool
	}{
		{"tcp", tcp, process.ProtocolTCP,
			[]string{"tcp listening on 127.0.0.1:8080", "tcp 127.0.0.1:50000 -> 127.0.0.1:8080"}, []bool{true, false}},
		{"tcp6", tcp6, process.ProtocolTCP, []string{"tcp listening on [::1]:80"}, []bool{true}},
		{"udp", udp, process.ProtocolUDP,
			[]string{"udp listening on 0.0.0.0:53", "udp 0.0.0.0:0", "udp 127.0.0.1:53248 -> 127.0.0.1:53"}, []bool{true, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			socks, err := ParseNetTable([]byte(tt.table), tt.proto)
			if err != nil {
				t.Fatal(err)
			}
			if len(socks) != len(tt.want) {
				t.Fatalf("got %d sockets %v, want %d", len(socks), socks, len(tt.want))
			}
			for i, s := range socks {
				if s.String() != tt.want[i] || s.Listening() != tt.listn[i] {
					t.Errorf("socket %d: %q listening %v, want %q listening %v", i, s, s.Listening(), tt.want[i], tt.listn[i])
				}
			}
		})
	}
	socks, _ := ParseNetTable([]byte(tcp), process.ProtocolTCP)
	if got := socks[0].listener(7); got.Address != netip.MustParseAddr("127.0.0.1") || got.Port != 8080 || got.PID != 7 || socks[0].Inode != 4242 {
		t.Errorf("listener %+v inode %d", got, socks[0].Inode)
	}
}

func TestParseNetTableRejects(t *testing.T) {
	head := "sl local rem st\n"
	for _, line := range []string{
		"0: 0100007F:1F90 00000000:0000 0A",                  // too few fields
		"0: 0100007F1F90 00000000:0000 0A 0:0 0:0 0 0 0 1",   // no port separator
		"0: 0100007:1F90 00000000:0000 0A 0:0 0:0 0 0 0 1",   // odd address length
		"0: 0100007F:XYZ 00000000:0000 0A 0:0 0:0 0 0 0 1",   // bad port
		"0: 0100007F:1F90 00000000:0000 ZZ 0:0 0:0 0 0 0 1",  // bad state
		"0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 0 0 0 -1", // bad inode
		"0: 0100007G:1F90 00000000:0000 0A 0:0 0:0 0 0 0 1",  // not hex
	} {
		if socks, err := ParseNetTable([]byte(head+line+"\n"), process.ProtocolTCP); err == nil {
			t.Errorf("%q parsed as %v", line, socks)
		}
	}
}

func TestSocketInode(t *testing.T) {
	for target, want := range map[string]uint64{"socket:[4242]": 4242, "pipe:[4242]": 0, "socket:[x]": 0, "/tmp/socket:[1]": 0} {
		if got, ok := SocketInode(target); got != want || ok != (want != 0) {
			t.Errorf("SocketInode(%q) = %d, %v", target, got, ok)
		}
	}
}

func TestParseUnixTable(t *testing.T) {
	table := "Num       RefCount Protocol Flags    Type St Inode Path\n" +
		"0000000000000000: 00000002 00000000 00010000 0001 01 4242 /run/my app.sock\n" +
		"0000000000000000: 00000003 00000000 00000000 0001 03   43\n" +
		"0000000000000000: 00000002 00000000 00010000 0001 01 44 @abstract\n"
	socks, err := ParseUnixTable([]byte(table))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"unix /run/my app.sock", "unix, unnamed", "unix @abstract"}
	if len(socks) != len(want) || socks[0].Inode != 4242 {
		t.Fatalf("got %v", socks)
	}
	for i, s := range socks {
		if s.String() != want[i] || s.Listening() {
			t.Errorf("socket %d: %q listening %v, want %q", i, s, s.Listening(), want[i])
		}
	}
	for _, bad := range []string{"0000: 2 0 0 1 1\n", "0000: 2 0 0 1 1 x /p\n"} {
		if _, err := ParseUnixTable([]byte("head\n" + bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
