package signal

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// FuzzParse checks the parser of the CLI's --signal values: a refusal
// gives no signal and quotes the input; an accepted signal has a name,
// and its name, its lower-case name and its number parse back to it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"TERM", "SIGTERM", "term", " 15 ", "9", "0", "-9", "+9", "SIGIOT", "sig", "65", "SIGRTMIN", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := Parse(s)
		if err != nil {
			if sig != 0 || !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("Parse(%q) = %d, %v", s, sig, err)
			}
			return
		}
		name := Name(sig)
		if name == "" || sig <= 0 {
			t.Fatalf("Parse(%q) = %d, which has no name", s, sig)
		}
		for _, again := range []string{name, strings.ToLower(name), strings.TrimPrefix(name, "SIG"), strconv.Itoa(int(sig))} {
			if got, err := Parse(again); err != nil || got != sig {
				t.Fatalf("Parse(%q) = %d, but Parse(%q) = %d, %v", s, sig, again, got, err)
			}
		}
		if String(sig) != name {
			t.Fatalf("String(%d) = %q, Name %q", sig, String(sig), name)
		}
		_ = IsTerminating(syscall.Signal(sig))
	})
}
