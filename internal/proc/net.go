package proc

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/3leaps/sysprims-go/process"
)

// Listener is [process.Listener]: a socket a process listens on.
type Listener = process.Listener

// Socket is one socket as a /proc/net/{tcp,tcp6,udp,udp6} table lists
// it, or a unix-domain socket of /proc/net/unix (Protocol [ProtocolUnix],
// Path its name).
type Socket struct {
	Protocol process.Protocol
	Local    netip.AddrPort
	Remote   netip.AddrPort
	Path     string // a unix socket's path ("@name" when abstract), "" when unnamed
	// State is the kernel's TCP state number: 0x0A is LISTEN; an
	// unconnected UDP socket is 0x07 (CLOSE), a connected one 0x01.
	State int
	Inode uint64
}

// ProtocolUnix marks a unix-domain [Socket]; it is never a Listener's.
const ProtocolUnix process.Protocol = "unix"

// The states Listening looks for.
const (
	stateEstablished = 0x01
	stateClose       = 0x07
	stateListen      = 0x0A
)

// Listening reports whether s is a TCP socket in the LISTEN state or a
// UDP socket bound to a port and not connected.
func (s Socket) Listening() bool {
	if s.Protocol == process.ProtocolTCP {
		return s.State == stateListen
	}
	return s.State == stateClose && s.Local.Port() != 0
}

// String describes s for people: "tcp listening on 127.0.0.1:4242",
// "tcp 127.0.0.1:5000 -> 127.0.0.1:80".
func (s Socket) String() string {
	switch {
	case s.Protocol == ProtocolUnix && s.Path != "":
		return "unix " + s.Path
	case s.Protocol == ProtocolUnix:
		return "unix, unnamed"
	case s.Listening():
		return fmt.Sprintf("%s listening on %s", s.Protocol, s.Local)
	case s.Remote.Port() != 0:
		return fmt.Sprintf("%s %s -> %s", s.Protocol, s.Local, s.Remote)
	}
	return fmt.Sprintf("%s %s", s.Protocol, s.Local)
}

// listener returns s as held by pid.
func (s Socket) listener(pid int) Listener {
	return Listener{Protocol: s.Protocol, Address: s.Local.Addr(), Port: int(s.Local.Port()), PID: pid}
}

// netTables are the /proc/net tables of inet sockets.
var netTables = []struct {
	file  string
	proto process.Protocol
}{{"tcp", process.ProtocolTCP}, {"tcp6", process.ProtocolTCP}, {"udp", process.ProtocolUDP}, {"udp6", process.ProtocolUDP}}

// ParseUnixTable parses /proc/net/unix: a header line, then one socket
// per line, "Num RefCount Protocol Flags Type St Inode [Path]".
func ParseUnixTable(b []byte) ([]Socket, error) {
	var out []Socket
	for i, line := range slices.Collect(bytes.Lines(b)) {
		f := bytes.Fields(line)
		if i == 0 || len(f) == 0 {
			continue
		}
		if len(f) < 7 {
			return out, fmt.Errorf("sysprims: unix table line %q: %d fields, want at least 7", bytes.TrimSpace(line), len(f))
		}
		inode, err := strconv.ParseUint(string(f[6]), 10, 64)
		if err != nil {
			return out, fmt.Errorf("sysprims: unix table line %q: inode: %w", bytes.TrimSpace(line), err)
		}
		s := Socket{Protocol: ProtocolUnix, Inode: inode}
		if len(f) > 7 {
			s.Path = string(bytes.Join(f[7:], []byte(" ")))
		}
		out = append(out, s)
	}
	return out, nil
}

// ParseNetTable parses one /proc/net/{tcp,tcp6,udp,udp6} table of
// protocol proto: a header line, then one socket per line,
//
//	sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
//	0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000 1000 0 12345 ...
//
// where an address is the kernel's in-memory bytes printed as 32-bit
// words in host byte order (8 hex digits for IPv4, 32 for IPv6) and the
// port is in hex. A line that does not parse is an error naming it.
func ParseNetTable(b []byte, proto process.Protocol) ([]Socket, error) {
	var out []Socket
	first := true
	for line := range bytes.Lines(b) {
		if first {
			first = false
			continue
		}
		f := bytes.Fields(line)
		if len(f) == 0 {
			continue
		}
		s, err := parseSocketLine(f, proto)
		if err != nil {
			return out, fmt.Errorf("sysprims: %s table line %q: %w", proto, bytes.TrimSpace(line), err)
		}
		out = append(out, s)
	}
	return out, nil
}

// parseSocketLine parses the fields of one table line.
func parseSocketLine(f [][]byte, proto process.Protocol) (Socket, error) {
	if len(f) < 10 {
		return Socket{}, fmt.Errorf("%d fields, want at least 10", len(f))
	}
	local, err := parseNetAddr(f[1])
	if err != nil {
		return Socket{}, err
	}
	remote, err := parseNetAddr(f[2])
	if err != nil {
		return Socket{}, err
	}
	state, err := strconv.ParseUint(string(f[3]), 16, 8)
	if err != nil {
		return Socket{}, fmt.Errorf("state: %w", err)
	}
	inode, err := strconv.ParseUint(string(f[9]), 10, 64)
	if err != nil {
		return Socket{}, fmt.Errorf("inode: %w", err)
	}
	return Socket{Protocol: proto, Local: local, Remote: remote, State: int(state), Inode: inode}, nil
}

// parseNetAddr parses "0100007F:0CEA" (IPv4) or 32 hex digits and a port
// (IPv6).
func parseNetAddr(b []byte) (netip.AddrPort, error) {
	host, port, ok := bytes.Cut(b, []byte(":"))
	if !ok || (len(host) != 8 && len(host) != 32) {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", b)
	}
	raw := make([]byte, len(host)/2)
	if _, err := hex.Decode(raw, host); err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", b)
	}
	for i := 0; i < len(raw); i += 4 { // words were printed as host-order numbers
		binary.NativeEndian.PutUint32(raw[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	p, err := strconv.ParseUint(string(port), 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port in %q", b)
	}
	a, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(a, uint16(p)), nil
}

// sortListeners orders ls by port, protocol, address and pid.
func sortListeners(ls []Listener) {
	slices.SortFunc(ls, func(a, b Listener) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol),
			a.Address.Compare(b.Address), cmp.Compare(a.PID, b.PID))
	})
}

// SocketInode returns the inode of a "socket:[INODE]" descriptor target.
func SocketInode(target string) (uint64, bool) {
	s, ok := strings.CutPrefix(target, "socket:[")
	s, ok2 := strings.CutSuffix(s, "]")
	if !ok || !ok2 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}
