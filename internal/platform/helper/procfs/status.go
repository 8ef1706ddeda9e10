package procfs

import "bytes"

// StatusField returns the value of the first line "NAME:\tVALUE" of a
// /proc/PID/status or /proc/PID/fdinfo/FD file, blanks trimmed; false
// when there is none. NAME must start the line: "Pid" never matches the
// "PPid" or "TracerPid" line.
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
