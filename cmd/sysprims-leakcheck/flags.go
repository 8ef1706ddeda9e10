package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/signal"
)

// errHelp reports that -h was given: print the usage and exit 0.
var errHelp = flag.ErrHelp

// newFlagSet returns a silent flag set: errors come back as values and are
// reported on one line by the caller.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(discard{})
	fs.Usage = func() {}
	return fs
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// parseFlags parses args and turns the flag package's error into a
// one-line reason.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return fmt.Errorf("%s: %s", fs.Name(), strings.TrimSpace(err.Error()))
}

// durationFlag is a non-negative duration.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return "0s"
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration (e.g. 500ms, 30s, 10m)")
	}
	if d < 0 {
		return errors.New("negative duration")
	}
	*f.d = d
	return nil
}

// signalFlag is a signal name or number, parsed by [signal.Parse], that
// ends a process by default ([signal.IsTerminating]): the first signal of
// a kill. SIGSTOP, SIGCONT, SIGTSTP and the like would leave the process
// running until SIGKILL, so they are refused, as the library's
// WithSignal refuses them.
type signalFlag struct{ sig *syscall.Signal }

func (f signalFlag) String() string {
	if f.sig == nil || *f.sig == 0 {
		return "SIGTERM"
	}
	return signal.Name(*f.sig)
}

func (f signalFlag) Set(s string) error {
	sig, err := signal.Parse(s)
	if err != nil {
		return err
	}
	if !signal.IsTerminating(sig) {
		return fmt.Errorf("%s does not end a process; pass one that does, such as TERM, INT or HUP", signal.Name(sig))
	}
	*f.sig = sig
	return nil
}

// format is a report format.
type format string

// The report formats.
const (
	formatText   format = "text"
	formatJSON   format = "json"
	formatGitHub format = "github"
)

// formatFlag accepts text, json or github.
type formatFlag struct{ f *format }

func (f formatFlag) String() string {
	if f.f == nil {
		return string(formatText)
	}
	return string(*f.f)
}

func (f formatFlag) Set(s string) error {
	switch v := format(s); v {
	case formatText, formatJSON, formatGitHub:
		*f.f = v
		return nil
	}
	return errors.New("want text, json or github")
}

// listFlag collects every value of a repeated flag.
type listFlag struct{ vals *[]string }

func (f listFlag) String() string {
	if f.vals == nil {
		return ""
	}
	return strings.Join(*f.vals, ",")
}

func (f listFlag) Set(s string) error {
	*f.vals = append(*f.vals, s)
	return nil
}
