package proctest

import "testing"

// The parsed floor reads the fields the default snapshot reports.
func TestParseStat(t *testing.T) {
	line := []byte("42 (a) b) S 1 42 40 0 -1 4194304 1 0 0 0 3 4 0 0 20 0 7 0 12345 1000 250 18446744073709551615\n")
	st := ParseStat(line)
	if string(st.Comm) != "a) b" || st.State != 'S' || st.PPID != 1 || st.PGID != 42 || st.SID != 40 ||
		st.Threads != 7 || st.Start != 12345 || st.RSS != 250 {
		t.Errorf("ParseStat = %+v", st)
	}
	if ParseStat([]byte("garbage")).PPID != -1 {
		t.Error("garbage parsed")
	}
	n, err := FloorParsed()
	if m, _ := Floor(); err != nil || n < 2 || n > m+50 {
		t.Errorf("FloorParsed saw %d processes (%v), Floor %d", n, err, m)
	}
}
