package proc

import (
	"os"
	"testing"
)

// TestEndCodeZero reads stat lines recorded from sh running `exec sleep
// 300` on Linux 6.18, as root, with rsslim unlimited (field 25 is
// 18446744073709551615, which does not fit an int64: a parser that
// required every field before end_code to fit one never saw a process
// mid-execve, and Fill took its empty environment for its own).
func TestEndCodeZero(t *testing.T) {
	settled, err := os.ReadFile("testdata/proc/1/stat")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, stat string
		want       bool
	}{
		{"new image, environment not begun (env_end 0)",
			"29039 (sleep) R 1 29038 743 0 -1 4194304 88 0 0 0 0 0 0 0 20 0 1 0 5279831 4096 0 18446744073709551615 0 0 0 0 0 0 0 6 0 0 0 0 17 0 0 0 0 0 0 0 0 0 140725535791449 0 0 0 0\n", true},
		{"environment being laid out (env_end = env_start, reads empty)",
			"29117 (sleep) R 1 29116 743 0 -1 4194304 90 12 0 0 0 0 0 0 20 0 1 0 5279902 430080 0 18446744073709551615 0 0 140731543865689 0 0 0 0 6 0 0 0 0 17 0 0 0 0 0 0 0 0 0 140731543865689 140731543865699 140731543865699 140731543865699 0\n", true},
		{"image complete",
			"29011 (sleep) R 1 29010 743 0 -1 4194304 90 0 0 0 0 0 0 0 20 0 1 0 5279808 430080 0 18446744073709551615 94823457316864 94823457334793 140735673518048 0 0 0 0 6 0 0 0 0 17 0 0 0 0 0 0 94823457348880 94823457350144 94823692959744 140735673522521 140735673522531 140735673522531 140735673524201 0\n", false},
		{"image complete, empty environment (env -i)",
			"29011 (sleep) R 1 29010 743 0 -1 4194304 90 0 0 0 0 0 0 0 20 0 1 0 5279808 430080 0 18446744073709551615 94823457316864 94823457334793 140735673518048 0 0 0 0 6 0 0 0 0 17 0 0 0 0 0 0 94823457348880 94823457350144 94823692959744 140735673522521 140735673522531 140735673522531 140735673522531 0\n", false},
		{"recorded systemd", string(settled), false},
		{"line cut before end_code", "29039 (sleep) R 1 29038 743 0 -1 4194304 88 0 0 0 0 0 0 0 20 0 1 0 5279831 4096 0 18446744073709551615 0\n", false},
	} {
		if got := endCodeZero([]byte(c.stat)); got != c.want {
			t.Errorf("%s: endCodeZero = %v, want %v", c.name, got, c.want)
		}
	}
}
