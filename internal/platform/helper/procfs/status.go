package procfs

import "bytes"

// StatusField returns the value of the line "NAME:\tVALUE" of a
// /proc/PID/status file, blanks trimmed; false when there is none. NAME
// must start a line: "Uid" never matches a "PPid" or "NSpid" line.
func StatusField(b []byte, name string) ([]byte, bool) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) > len(name) && line[len(name)] == ':' && string(line[:len(name)]) == name {
			return bytes.TrimSpace(line[len(name)+1:]), true
		}
	}
	return nil, false
}
