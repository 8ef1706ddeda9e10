package sysprimstest

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/onsi/gomega/gbytes"
)

// kept is what the capture should return for stream s within limit: all
// of s, or its head, the dropped-bytes line and its tail.
func kept(s []byte, limit int) []byte {
	if len(s) <= limit {
		return s
	}
	h, t := limit/2, limit-limit/2
	line := fmt.Sprintf("\n[sysprims: %d bytes of output dropped here; WithOutputLimit keeps more]\n", len(s)-h-t)
	return append(append(append([]byte{}, s[:h]...), line...), s[len(s)-t:]...)
}

func TestOutputKeepsHeadAndTail(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, limit := range []int{1, 2, 7, 16, 1000} {
		for _, size := range []int{0, 1, limit - 1, limit, limit + 1, 3*limit + 5, 40 * limit} {
			stream := make([]byte, size)
			for i := range stream {
				stream[i] = byte('a' + rng.IntN(26))
			}
			o := newOutput(limit, size%2 == 0)
			for rest := stream; len(rest) > 0; {
				n := min(len(rest), 1+rng.IntN(2*limit+3))
				if w, err := o.Write(rest[:n]); w != n || err != nil {
					t.Fatalf("Write(%d bytes) = %d, %v", n, w, err)
				}
				rest = rest[n:]
			}
			if got, want := o.Bytes(), kept(stream, limit); !bytes.Equal(got, want) {
				t.Errorf("limit %d, %d bytes written: kept %q, want %q", limit, size, got, want)
			}
		}
	}
}

// TestOutputSayWindow checks that gbytes.Say keeps working past the
// limit: the window holds at most the limit, and new output still matches.
func TestOutputSayWindow(t *testing.T) {
	o := newOutput(64, true)
	say := func(re string) bool {
		ok, err := gbytes.Say(re).Match(o.say)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	fmt.Fprint(o, "starting\n")
	if !say("starting") {
		t.Error("no match within the limit")
	}
	for i := range 100 {
		fmt.Fprintf(o, "line %03d\n", i)
	}
	if n := len(o.say.Contents()); n > 64 {
		t.Errorf("the Say window holds %d bytes, over the limit of 64", n)
	}
	fmt.Fprint(o, "listening on :8080\n")
	if !say(`listening on :\d+`) {
		t.Errorf("no match past the limit; window %q", o.say.Contents())
	}
	fmt.Fprint(o, string(bytes.Repeat([]byte("x"), 200))+"ready\n")
	if !say("ready") || len(o.say.Contents()) > 64 {
		t.Errorf("a write larger than the limit: window %q", o.say.Contents())
	}
	o.Close()
	if !o.say.Closed() {
		t.Error("Close did not close the Say window")
	}
}

func TestOutputUnlimited(t *testing.T) {
	o := newOutput(math.MaxInt, true)
	data := bytes.Repeat([]byte("0123456789"), 1000)
	o.Write(data)
	if !bytes.Equal(o.Bytes(), data) || !bytes.Equal(o.say.Contents(), data) {
		t.Error("math.MaxInt lost output")
	}
}

func TestWithOutputLimitRejectsNonPositive(t *testing.T) {
	for _, n := range []int{0, -1} {
		if _, err := newSettings(entryRun, []Option{WithOutputLimit(n)}); err == nil {
			t.Errorf("WithOutputLimit(%d) accepted", n)
		}
	}
	s, err := newSettings(entryRun, []Option{WithOutputLimit(10)})
	if err != nil || s.outputLimit != 10 {
		t.Errorf("WithOutputLimit(10): %v, %d", err, s.outputLimit)
	}
	if defaults().outputLimit != DefaultOutputLimit {
		t.Error("the default limit is not DefaultOutputLimit")
	}
}
