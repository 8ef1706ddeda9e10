package signal

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestParseNamesAndNumbers(t *testing.T) {
	for _, s := range []string{"TERM", "SIGTERM", "term", "sigterm", " 15 ", "Term"} {
		if sig, err := Parse(s); err != nil || sig != syscall.SIGTERM {
			t.Errorf("Parse(%q) = %v, %v; want SIGTERM", s, sig, err)
		}
	}
	for _, s := range []string{"KILL", "INT", "9", "2"} {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"FOO", "", "SIG", "0", "-1", "999", "TERM2"} {
		_, err := Parse(s)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", s)
			continue
		}
		if want := "sysprims: unknown signal"; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q) error %q lacks %q", s, err, want)
		}
	}
}

func TestListRoundTrips(t *testing.T) {
	list := List()
	if len(list) == 0 {
		t.Fatal("empty list")
	}
	for i, in := range list {
		if i > 0 && list[i-1].Number >= in.Number {
			t.Errorf("list not sorted at %d", i)
		}
		sig, err := Parse(in.Name)
		if err != nil || int(sig) != in.Number || Name(sig) != in.Name {
			t.Errorf("%+v does not round-trip: %v %v", in, sig, err)
		}
	}
}

func TestStringFallsBackToNumber(t *testing.T) {
	if got := String(syscall.Signal(200)); got != "signal 200" {
		t.Errorf("String(200) = %q", got)
	}
	if got := String(syscall.SIGKILL); got != "SIGKILL" {
		t.Errorf("String(SIGKILL) = %q", got)
	}
}

func TestValidatePID(t *testing.T) {
	bad := []int{0, -1, -42, 1, os.Getpid(), os.Getppid(), ownGroup()}
	for _, pid := range bad {
		err := ValidatePID(pid)
		if !errors.Is(err, ErrInvalidPID) {
			t.Errorf("ValidatePID(%d) = %v, want ErrInvalidPID", pid, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "sysprims: protected process: pid ") {
			t.Errorf("error %q not prefixed", err)
		}
	}
	if err := ValidatePID(1 << 22); err != nil {
		t.Errorf("ValidatePID(large) = %v", err)
	}
}

func TestSendRefusesBadPIDs(t *testing.T) {
	for _, pid := range []int{0, -1, 1, os.Getpid()} {
		if err := Send(pid, 0); !errors.Is(err, ErrInvalidPID) {
			t.Errorf("Send(%d) = %v", pid, err)
		}
	}
	for _, pg := range []int{0, 1, -5, ownGroup()} {
		if err := SendGroup(pg, 0); !errors.Is(err, ErrInvalidPID) {
			t.Errorf("SendGroup(%d) = %v", pg, err)
		}
	}
}
