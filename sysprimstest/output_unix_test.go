//go:build unix

package sysprimstest

import (
	"bytes"
	"os/exec"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/waittest"
)

// counter counts the bytes written to it.
type counter struct{ n int }

func (c *counter) Write(b []byte) (int, error) { c.n += len(b); return len(b), nil }

// TestRunBoundsOutput runs a tree that writes more than the output limit:
// the Result keeps the head and the tail with the dropped count between,
// and the command's own writer still gets every byte.
func TestRunBoundsOutput(t *testing.T) {
	const limit, size = 1 << 16, 1 << 20
	cmd := exec.Command("sh", "-c", "echo START; head -c 1048576 /dev/zero; echo; echo END")
	var all counter
	cmd.Stdout = &all
	res := Run(t, waittest.Scale(30*time.Second), cmd, WithOutputLimit(limit))
	if res.ExitCode != 0 {
		t.Fatalf("result %v", res)
	}
	written := len("START\n") + size + len("\nEND\n")
	if all.n != written {
		t.Errorf("the command's writer got %d bytes, want %d", all.n, written)
	}
	if want := kept(bytes.Repeat([]byte{0}, written), limit); len(res.Stdout) != len(want) {
		t.Errorf("Result.Stdout holds %d bytes, want %d", len(res.Stdout), len(want))
	}
	if !bytes.HasPrefix(res.Stdout, []byte("START\n")) || !bytes.HasSuffix(res.Stdout, []byte("\nEND\n")) ||
		!bytes.Contains(res.Stdout, []byte("bytes of output dropped here")) {
		t.Errorf("Result.Stdout lost its head, its tail or the dropped line: %q...%q", res.Stdout[:20], res.Stdout[len(res.Stdout)-20:])
	}
}
