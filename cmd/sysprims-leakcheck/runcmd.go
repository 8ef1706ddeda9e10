package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	ossignal "os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/internal/timeout"
)

// runOpts are the parsed flags of run.
type runOpts struct {
	timeout time.Duration
	grace   time.Duration
	sig     syscall.Signal
	format  format
	output  string
	argv    []string
}

// runCmd implements "sysprims-leakcheck run".
func runCmd(args []string, stdout, stderr io.Writer) int {
	o, err := parseRun(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, err.Error())
	}
	out, err := openOutput(o.output, stderr)
	if err != nil {
		return usageError(stderr, err.Error())
	}
	rep, code := execute(o, stdout, stderr)
	if rep == nil {
		out.discard()
		return code
	}
	return finishReport(rep, o.format, out, stderr)
}

// parseRun parses the flags of run; the command follows them (after "--").
func parseRun(args []string) (runOpts, error) {
	o := runOpts{grace: timeout.DefaultGrace, sig: syscall.SIGTERM, format: formatText}
	fs := newFlagSet("run")
	fs.Var(durationFlag{&o.timeout}, "timeout", "tear the tree down after this long (0: never)")
	fs.Var(durationFlag{&o.grace}, "grace", "time between the signal and SIGKILL")
	fs.Var(signalFlag{&o.sig}, "signal", "first signal of a teardown")
	fs.Var(formatFlag{&o.format}, "format", "text, json or github")
	fs.StringVar(&o.output, "output", "", "write the report to this file")
	if err := parseFlags(fs, args); err != nil {
		return o, err
	}
	o.argv = fs.Args()
	if len(o.argv) == 0 || o.argv[0] == "" {
		return o, errors.New("run: missing command (run [flags] -- CMD ARGS...)")
	}
	if o.grace == 0 {
		return o, errors.New("run: --grace must be positive")
	}
	return o, nil
}

// execute runs the command in its container and builds the report. A nil
// report means the command never started; code says why.
func execute(o runOpts, stdout, stderr io.Writer) (*report, int) {
	cmd := exec.Command(o.argv[0], o.argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Env = childEnv(os.Environ())
	cfg := timeout.Config{Timeout: o.timeout, Grace: o.grace, Signal: o.sig, Env: owner.Markers(owner.NewTreeID(), "")}
	sigs := make(chan os.Signal, 2)
	ossignal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer ossignal.Stop(sigs)
	t, err := timeout.Start(cmd, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", progName, err)
		if errors.Is(err, platform.ErrLost) {
			sweepAfterLostStart(o.grace, stderr)
		}
		return nil, startExitCode(err)
	}
	root := rootOf(t.PID())
	stopForward := forward(t, sigs)
	out := t.Wait(0)
	stopForward()
	found, left := removeStrays(strays(), o.grace)
	reapChildren(t.PID())
	return runReport(o, out, root, found, left), 0
}

// sweepAfterLostStart removes what a start that lost its container left
// below run (a root that killed its subreaper shim before the shim named
// it runs on, with its escapees, as run's orphans) and says so, one line
// per process.
func sweepAfterLostStart(grace time.Duration, stderr io.Writer) {
	found, left := removeStrays(strays(), grace)
	for _, p := range minus(found, left) {
		fmt.Fprintf(stderr, "%s: removed pid %d (%s), left by the command that failed to start\n", progName, p.PID, commandOf(p))
	}
	for _, p := range left {
		fmt.Fprintf(stderr, "%s: SURVIVED pid %d (%s), left by the command that failed to start\n", progName, p.PID, commandOf(p))
	}
	reapChildren(0)
}

// childEnv is the command's environment: the caller's without the
// markers it inherited. The tree carries markers minted by this run
// instead ([owner.Markers], added by the engine), so a library or a check
// inside the command never takes the wrapper's tree for one of its own,
// and a marker of whoever started sysprims-leakcheck (a test, a tree, a
// helper) does not name the command's processes.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case owner.EnvRunID, owner.EnvTreeID, owner.EnvTest, owner.EnvShim, owner.EnvGuardian:
			continue
		}
		out = append(out, kv)
	}
	return out
}

// startExitCode maps a start failure to 127, 126 or 125.
func startExitCode(err error) int {
	switch {
	case errors.Is(err, timeout.ErrNotFound):
		return exitNotFound
	case errors.Is(err, timeout.ErrNotExecutable):
		return exitNotExecutable
	}
	return exitUsage
}

// rootOf records the command's session and group while it runs. If it is
// already gone, its pgid is assumed to be its pid (the container makes it
// a group leader) and its session the caller's.
func rootOf(pid int) rootInfo {
	if p, err := proc.Get(pid, proc.Options{}); err == nil && !p.State.Gone() {
		return rootInfo{pid: pid, pgid: p.PGID, sid: p.SID}
	}
	r := rootInfo{pid: pid, pgid: pid, sid: -1}
	if self, err := proc.Get(os.Getpid(), proc.Options{}); err == nil {
		r.sid = self.SID
	}
	return r
}

// signaller is the part of a tree signal forwarding needs.
type signaller interface {
	Signal(sig syscall.Signal) error
	Stop() timeout.Outcome
}

// forward passes SIGINT and SIGTERM received by sysprims-leakcheck to the
// whole tree; a second one tears the tree down. The returned func stops
// forwarding and waits for the forwarder to finish.
func forward(t signaller, sigs <-chan os.Signal) func() {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; ; n++ {
			select {
			case <-quit:
				return
			case s := <-sigs:
				relay(t, s, n)
			}
		}
	}()
	return func() { close(quit); <-done }
}

func relay(t signaller, s os.Signal, n int) {
	sig, ok := s.(syscall.Signal)
	if !ok {
		sig = syscall.SIGTERM
	}
	if n == 0 {
		_ = t.Signal(sig) // ErrDone once torn down: nothing left to signal
		return
	}
	go t.Stop() // the waiting goroutine returns the same outcome
}

// runReport turns the outcome, and the strays found below run once it
// was over (left: those still alive after their removal), into a report
// with leakcheck's exit code.
func runReport(o runOpts, out timeout.Outcome, root rootInfo, strays, left []proc.ProcessInfo) *report {
	rep := newReport("run")
	rep.Command = o.argv
	rep.Mechanism = string(out.Mechanism)
	rep.TreeKillReliability = string(out.TreeKillReliability)
	rep.ContainerLost = out.ContainerLost
	rep.DurationMs = out.DurationMs
	rep.Error = out.Error
	code := out.ExitCode
	rep.CommandExitCode = &code
	rep.CommandSignal = out.TermSignal
	escaped := union(out.Migrants, strays)
	survivors := union(minus(out.Survivors, strays), left)
	rep.Leaked = append(classify(out.Leftovers, root), outside(minus(escaped, out.Leftovers), root, out.Mechanism)...)
	slices.SortFunc(rep.Leaked, func(a, b leak) int { return cmp.Compare(a.PID, b.PID) })
	markKilled(rep.Leaked, survivors)
	rep.Survivors = classify(survivors, root)
	if len(escaped) > 0 {
		rep.TreeKillReliability = string(platform.BestEffort)
	}
	rep.Status, rep.ExitCode = verdict(out, len(rep.Survivors), len(rep.Leaked))
	return rep
}

// outside classifies processes found outside the command's container
// once it was torn down; below a cgroup, they had moved out of it.
func outside(ps []proc.ProcessInfo, root rootInfo, m platform.Mechanism) []leak {
	ls := classify(ps, root)
	for i := range ls {
		if m == platform.MechanismCgroup && !slices.Contains(ls[i].Escape, owner.EscMigrated) {
			ls[i].Escape = append(ls[i].Escape, owner.EscMigrated)
			ls[i].Reason = owner.Describe(ls[i].Escape, ls[i].ProcessInfo)
		}
	}
	return ls
}

// union returns a and the processes of b not in a (by identity).
func union(a, b []proc.ProcessInfo) []proc.ProcessInfo {
	return append(slices.Clone(a), minus(b, a)...)
}

// minus returns the processes of a not in b (by identity).
func minus(a, b []proc.ProcessInfo) []proc.ProcessInfo {
	return slices.DeleteFunc(slices.Clone(a), func(p proc.ProcessInfo) bool {
		return slices.ContainsFunc(b, func(q proc.ProcessInfo) bool { return q.ID() == p.ID() })
	})
}

// markKilled marks the leftovers that the teardown removed (all but the
// survivors).
func markKilled(ls []leak, survivors []proc.ProcessInfo) {
	alive := make(map[proc.Identity]bool, len(survivors))
	for _, p := range survivors {
		alive[p.ID()] = true
	}
	for i := range ls {
		ls[i].Killed = !alive[ls[i].ID()]
	}
}

// verdict returns the report status and exit code of a run: 124 on
// timeout, 3 when anything leaked, else the command's own status.
func verdict(out timeout.Outcome, survivors, leaked int) (string, int) {
	switch {
	case out.Status == timeout.StatusTimedOut:
		return statusTimedOut, exitTimedOut
	case survivors > 0:
		return statusFailed, exitLeaked
	case leaked > 0:
		return statusLeaked, exitLeaked
	}
	return statusClean, commandStatus(out)
}

// commandStatus is the command's exit code, or 128+n when signal n ended
// it; 125 when its status is unknown.
func commandStatus(out timeout.Outcome) int {
	if out.TermSignal != "" {
		if sig, err := signal.Parse(out.TermSignal); err == nil {
			return exitSignalBase + int(sig)
		}
		return exitUsage
	}
	if out.ExitCode < 0 {
		return exitUsage
	}
	return out.ExitCode
}
