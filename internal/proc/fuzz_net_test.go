package proc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/3leaps/sysprims-go/process"
)

// The fuzz targets of the socket tables (/proc/net/{tcp,tcp6,udp,udp6,unix},
// recorded in testdata/net) and of the socket descriptor links. They run
// on every system: the parsers are pure.

// FuzzNetTable checks ParseNetTable by a round trip: the sockets it
// returns, written back as the kernel writes them, parse to the same
// sockets; and a table that parses has one socket per line after the
// header.
func FuzzNetTable(f *testing.F) {
	addFiles(f, "testdata/net/tcp*", "testdata/net/udp*")
	f.Add([]byte("sl local rem st\n0: 0100007F:0CEA 00000000:0000 0A 0:0 0:0 0 1000 0 12345\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		socks, err := ParseNetTable(b, process.ProtocolTCP)
		if err == nil && len(socks) != dataLines(b) {
			t.Fatalf("ParseNetTable(%q) = %d sockets for %d lines", b, len(socks), dataLines(b))
		}
		again, err := ParseNetTable(formatNetTable(socks), process.ProtocolTCP)
		if err != nil || !reflect.DeepEqual(again, socks) {
			t.Fatalf("round trip of %q: %v, %v; want %v", b, again, err, socks)
		}
	})
}

// dataLines counts the lines after the first that hold more than blanks.
func dataLines(b []byte) int {
	n := 0
	for i, line := range strings.Split(string(b), "\n") {
		if i > 0 && len(bytes.Fields([]byte(line))) > 0 {
			n++
		}
	}
	return n
}

// formatNetTable writes socks as a /proc/net/tcp table: addresses as
// 32-bit words in host byte order, ports and state in hex.
func formatNetTable(socks []Socket) []byte {
	b := []byte("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
	for i, s := range socks {
		b = fmt.Appendf(b, "%4d: %s %s %02X 00000000:00000000 00:00000000 00000000 0 0 %d 1 0\n",
			i, formatNetAddr(s.Local), formatNetAddr(s.Remote), s.State, s.Inode)
	}
	return b
}

// formatNetAddr writes a as the kernel does: "0100007F:0CEA".
func formatNetAddr(a netip.AddrPort) string {
	raw := a.Addr().AsSlice()
	var host strings.Builder
	for i := 0; i < len(raw); i += 4 {
		fmt.Fprintf(&host, "%08X", binary.NativeEndian.Uint32(raw[i:]))
	}
	return host.String() + ":" + fmt.Sprintf("%04X", a.Port())
}

// FuzzUnixTable checks ParseUnixTable: a table that parses has one socket
// per line after the header, every socket is a unix one, and a table
// written back from the sockets parses to the same sockets.
func FuzzUnixTable(f *testing.F) {
	addFiles(f, "testdata/net/unix")
	f.Add([]byte("Num RefCount\n0: 2 0 10000 1 1 4242 /run/my  app.sock\n0: 3 0 0 1 3 43\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		socks, err := ParseUnixTable(b)
		if err == nil && len(socks) != dataLines(b) {
			t.Fatalf("ParseUnixTable(%q) = %d sockets for %d lines", b, len(socks), dataLines(b))
		}
		table := []byte("Num       RefCount Protocol Flags    Type St Inode Path\n")
		for _, s := range socks {
			if s.Protocol != ProtocolUnix || s.Path != strings.Join(strings.Fields(s.Path), " ") {
				t.Fatalf("ParseUnixTable(%q): socket %+v", b, s)
			}
			table = fmt.Appendf(table, "0000000000000000: 00000002 00000000 00010000 0001 01 %d %s\n", s.Inode, s.Path)
		}
		if again, err := ParseUnixTable(table); err != nil || !reflect.DeepEqual(again, socks) {
			t.Fatalf("round trip of %q: %v, %v; want %v", b, again, err, socks)
		}
	})
}

// FuzzSocketInode checks SocketInode against a reference: a target is a
// socket's exactly when it is "socket:[N]" with N a decimal uint64, and
// the inode formatted back reads the same.
func FuzzSocketInode(f *testing.F) {
	for _, s := range []string{"socket:[4242]", "socket:[4242", "pipe:[1]", "socket:[]", "socket:[007]", "socket:[18446744073709551616]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		n, ok := SocketInode(target)
		digits, isSock := strings.CutPrefix(target, "socket:[")
		digits, closed := strings.CutSuffix(digits, "]")
		want, err := strconv.ParseUint(digits, 10, 64)
		if wantOK := isSock && closed && err == nil; ok != wantOK || ok && n != want {
			t.Fatalf("SocketInode(%q) = %d, %v; want %d, %v", target, n, ok, want, wantOK)
		}
		if again, ok2 := SocketInode("socket:[" + strconv.FormatUint(n, 10) + "]"); ok && (!ok2 || again != n) {
			t.Fatalf("SocketInode of %d formatted = %d, %v", n, again, ok2)
		}
	})
}
