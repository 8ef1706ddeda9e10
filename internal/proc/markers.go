package proc

import (
	"bytes"
	"strings"
)

// MarkerPrefix starts the name of every environment variable this library
// sets on the processes it starts; [FieldMarkers] gathers them.
const MarkerPrefix = "SYSPRIMS_"

// parseMarkers returns the MarkerPrefix variables of a NUL-separated
// environment block, or nil if it holds none.
func parseMarkers(env []byte) map[string]string {
	var m map[string]string
	prefix := []byte(MarkerPrefix)
	for len(env) > 0 {
		entry := env
		if i := bytes.IndexByte(env, 0); i >= 0 {
			entry, env = env[:i], env[i+1:]
		} else {
			env = nil
		}
		if !bytes.HasPrefix(entry, prefix) {
			continue
		}
		k, v, _ := strings.Cut(string(entry), "=")
		if m == nil {
			m = make(map[string]string, 4)
		}
		m[k] = v
	}
	return m
}

// splitNUL splits a NUL-separated string; the parts share its memory.
func splitNUL(s string) []string {
	return strings.Split(s, "\x00")
}
