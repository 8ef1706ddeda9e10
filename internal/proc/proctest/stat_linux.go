package proctest

import "bytes"

// Stat holds the fields of /proc/PID/stat a default snapshot reports, as
// [ParseStat] reads them; Comm points into the parsed buffer.
type Stat struct {
	State                    byte
	PPID, PGID, SID, Threads int
	Start, RSS               uint64
	Comm                     []byte
}

// ParseStat reads the fields of Stat from the stat line b in place,
// without allocating: the parsing part of [FloorParsed]. A line without a
// command name gives PPID -1. It is not procfs's parser on purpose: the
// floor is the yardstick of the library's parser, so it must not be that
// parser.
func ParseStat(b []byte) Stat {
	var st Stat
	end := bytes.LastIndexByte(b, ')')
	if end < 0 || end+2 >= len(b) {
		return Stat{PPID: -1}
	}
	st.Comm = b[bytes.IndexByte(b, '(')+1 : end]
	st.State = b[end+2]
	field := 3 // the state is field 3 of proc_pid_stat(5)
	for i := end + 3; i < len(b) && field < 24; i++ {
		if b[i] != ' ' {
			continue
		}
		field++
		v := atou(b[i+1:])
		switch field {
		case 4:
			st.PPID = int(v)
		case 5:
			st.PGID = int(v)
		case 6:
			st.SID = int(v)
		case 20:
			st.Threads = int(v)
		case 22:
			st.Start = v
		case 24:
			st.RSS = v
		}
	}
	return st
}

// atou parses the leading decimal digits of b.
func atou(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + uint64(c-'0')
	}
	return v
}
