//go:build unix

package sysprimstest

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// The cases of os/exec features Windows lacks: ExtraFiles, the unix
// SysProcAttr fields, an interrupt as Cancel.
func init() {
	fixtures.Register("compat-fd3", func([]string) { os.NewFile(3, "fd3").WriteString("fd3\n") })
	execCases = append(execCases, unixExecCases...)
}

var unixExecCases = []execCase{
	{name: "ExtraFiles", do: func(t *testing.T, r runner) seen {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer pr.Close()
		cmd := fixtures.Command("compat-fd3")
		cmd.ExtraFiles = []*os.File{pw}
		r.start(t, cmd)
		s := waitFor(t, r, seen{})
		pw.Close()
		b, err := io.ReadAll(pr)
		s.Out, s.Extra = string(b), errText(err)
		return s
	}},
	{name: "Path, Args and ExtraFiles after Wait", do: func(t *testing.T, r runner) seen {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer pr.Close()
		defer pw.Close()
		cmd := fixtures.Command("compat-fd3")
		cmd.ExtraFiles = []*os.File{pw}
		path, args := cmd.Path, strings.Join(cmd.Args, " ")
		r.start(t, cmd)
		s := waitFor(t, r, seen{})
		s.Extra = fmt.Sprintf("path kept %v, args kept %v, %d extra files, String kept %v", cmd.Path == path,
			strings.Join(cmd.Args, " ") == args, len(cmd.ExtraFiles), strings.HasPrefix(cmd.String(), path))
		return s
	}},
	{name: "SysProcAttr Setsid", do: withAttr(&syscall.SysProcAttr{Setsid: true})},
	{name: "SysProcAttr Setpgid", do: withAttr(&syscall.SysProcAttr{Setpgid: true})},
	{name: "Cancel and WaitDelay of the caller", do: func(t *testing.T, r runner) seen {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := contextCmd(ctx, fixtures.Command("sleeper"))
		var called sync.WaitGroup
		called.Add(1)
		cmd.Cancel = func() error {
			defer called.Done()
			return cmd.Process.Signal(syscall.SIGINT)
		}
		cmd.WaitDelay = waittest.Scale(10 * time.Second)
		ready := readyWriter(cmd)
		r.start(t, cmd)
		<-ready
		cancel()
		s := waitFor(t, r, seen{})
		called.Wait()
		return s
	}},
}

// withAttr is the case of a cmd with attr as its SysProcAttr; every run
// shares attr, as commands made from one template do, so a change the
// library made to it would show in the next run.
func withAttr(attr *syscall.SysProcAttr) func(t *testing.T, r runner) seen {
	return func(t *testing.T, r runner) seen {
		cmd := ioCmd("0")
		cmd.SysProcAttr = attr
		return outOf(t, r, cmd)
	}
}
