package matchers

import (
	"fmt"
	"syscall"

	"github.com/onsi/gomega/format"

	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// subject is what an outcome matcher judges: a Process (whose Result may
// not exist yet) or a Result alone.
type subject struct {
	p *sysprimstest.Process // nil when a Result was passed
	r *sysprimstest.Result  // nil while the Process has not been waited for
}

// subjectOf accepts a *Process, a *Result or a Result, and explains
// anything else.
func subjectOf(matcher string, actual any) (subject, error) {
	switch a := actual.(type) {
	case *sysprimstest.Process:
		if a != nil {
			return subject{p: a, r: a.Result()}, nil
		}
	case *sysprimstest.Result:
		if a != nil {
			return subject{r: a}, nil
		}
	case sysprimstest.Result:
		return subject{r: &a}, nil
	}
	return subject{}, fmt.Errorf("sysprims: %s expects a *sysprimstest.Process or a *sysprimstest.Result, got:\n%s",
		matcher, format.Object(actual, 1))
}

// final reports whether the answer about actual can no longer change:
// a Result, a Process that has one, or something the matcher refuses.
func final(actual any) bool {
	if p, ok := actual.(*sysprimstest.Process); ok && p != nil {
		return p.Result() != nil
	}
	return true
}

// ending is how a root process ended, as far as is known.
type ending struct {
	running bool
	err     error // the command never started
	code    int   // exit code; -1 when sig ended it
	sig     syscall.Signal
}

// ending reports how the root ended, exactly: from the Result, or before
// there is one from [sysprimstest.Process.ExitStatus] (never from the
// gexec-style ExitCode, which folds a signal into 128+n).
func (s subject) ending() ending {
	if s.r != nil {
		if s.r.Err != nil {
			return ending{err: s.r.Err, code: -1}
		}
		return ending{code: s.r.ExitCode, sig: s.r.Signal}
	}
	code, sig, exited := s.p.ExitStatus()
	return ending{running: !exited, code: code, sig: sig}
}

func (e ending) String() string {
	switch {
	case e.running:
		return "it is still running"
	case e.err != nil:
		return fmt.Sprintf("it never started: %v", e.err)
	case e.sig != 0:
		return "it was killed by " + signal.Name(e.sig)
	}
	return fmt.Sprintf("it exited with code %d", e.code)
}

// render shows actual in a failure message: a Process or Result by its
// one-line summary, a snapshot one process per line, anything else as
// Gomega would.
func render(actual any) string {
	switch a := actual.(type) {
	case *sysprimstest.Process:
		if a != nil {
			return fmt.Sprintf("%s<%T>: %s", format.Indent, a, describeProcess(a))
		}
	case *sysprimstest.Result:
		if a != nil {
			return fmt.Sprintf("%s<%T>: %s", format.Indent, a, a.String())
		}
	case []process.Info:
		return renderSnapshot(a)
	}
	return format.Object(actual, 1)
}

func describeProcess(p *sysprimstest.Process) string {
	if r := p.Result(); r != nil {
		return p.String() + ": " + r.String()
	}
	if _, _, exited := p.ExitStatus(); !exited {
		return p.String() + ": running"
	}
	return p.String() + ": root exited, not yet waited for"
}

// message is a failure message in Gomega's shape: the actual, then what
// was expected of it.
func message(actual any, text string) string {
	return fmt.Sprintf("Expected\n%s\n%s", render(actual), text)
}
