package sysprimstest

import (
	"io"
	"os"
	"testing"
)

// The cases only Windows can run: a test there can wait for the root's
// exit on a handle of its own without reaping it from the container.
func init() {
	execCases = append(execCases, windowsExecCases...)
}

var windowsExecCases = []execCase{
	// The output waits in the pipe until read: Wait, not the root's exit,
	// closes the caller's end. A container that finished cmd.Wait when the
	// root exited lost it ("file already closed").
	{name: "StdoutPipe read after the root exited", startOnly: true, do: func(t *testing.T, r runner) seen {
		cmd := ioCmd("0")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		r.start(t, cmd)
		waitExit(t, cmd.Process.Pid)
		b, err := io.ReadAll(out)
		return waitFor(t, r, seen{Out: string(b), Extra: errText(err)})
	}},
}

// waitExit waits for pid to exit through a handle of its own (Windows
// waits on handles: cmd.Process keeps its own, the container too).
func waitExit(t *testing.T, pid int) {
	p, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(); err != nil {
		t.Fatal(err)
	}
}
