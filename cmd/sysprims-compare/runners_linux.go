package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/onsi/gomega/gexec"

	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// runner is one way of running a command and getting rid of it.
type runner struct {
	ID   string // for -runners
	Name string // column header
	How  string // one line on what it does, for the legend
	// avail returns why the runner cannot be used here, or "".
	avail func() string
	run   func(tr *trial) runOutcome
}

// runOutcome is what a runner tells the harness besides its return.
type runOutcome struct {
	usesDeadline bool // the runner times out on its own clock from start
	mechanism    string
	reliability  string
	selfReported []string // survivors the library itself reported
	skipped      string
	err          error
}

// runners lists the peers and sysprims-go, in column order.
func runners() []runner {
	return []runner{
		{"context", "exec.CommandContext", "context.WithTimeout(-timeout); stock Cancel (SIGKILL to the child) and WaitDelay 0; output captured in a buffer", always, runContext},
		{"killpg", "Setpgid+killpg", "Setpgid; after the deadline kill(-pgid, SIGTERM), wait up to -grace for the child, then kill(-pgid, SIGKILL) regardless", always, runKillpg},
		{"gexec", "gexec Kill", "gomega gexec.Start, after the deadline session.Kill(), then wait for session.Exited", always, runGexec},
		{"timeout", "timeout -k", "GNU coreutils `timeout -k <grace> <timeout> cmd` run by exec.Cmd with output captured (a hang is that Wait, on a pipe a leftover holds)", haveTimeout, runTimeout},
		{"run", "sysprims Run", "sysprimstest.Run(t, -timeout, cmd, WithGrace(-grace))", always, runSysprims},
		{"start", "sysprims Start", "sysprimstest.Start(t, cmd, WithGrace(-grace)); after the deadline the test's cleanups run", always, startSysprims},
	}
}

func always() string { return "" }

// killpgRunner is the runner that kills its process group once the tree
// is ready; it also measures readiness for runCellFair.
func killpgRunner() runner {
	for _, r := range runners() {
		if r.ID == "killpg" {
			return r
		}
	}
	panic("compare: no killpg runner")
}

// haveTimeout says why the GNU timeout column is skipped, or "".
func haveTimeout() string {
	if _, err := exec.LookPath("timeout"); err != nil {
		return "no timeout on PATH (GNU coreutils)"
	}
	if !strings.Contains(timeoutVersion(), "GNU coreutils") {
		return "the timeout on PATH is not GNU coreutils"
	}
	return ""
}

// wrap builds a new command from the fixture command tpl: tpl itself
// under ctx when prog is "", else prog with pre, then tpl's argv.
func wrap(ctx context.Context, tpl *exec.Cmd, prog string, pre ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if prog == "" {
		cmd = exec.CommandContext(ctx, tpl.Path, tpl.Args[1:]...)
		cmd.Args[0] = tpl.Args[0]
	} else {
		args := append(append(pre, tpl.Path), tpl.Args[1:]...)
		cmd = exec.CommandContext(ctx, prog, args...)
	}
	cmd.Env, cmd.Dir = tpl.Env, tpl.Dir
	return cmd
}

// runContext is exec.CommandContext as most Go code uses it.
func runContext(tr *trial) runOutcome {
	ctx, cancel := context.WithDeadline(context.Background(), tr.begin.Add(tr.cfg.timeout))
	defer cancel()
	cmd := wrap(ctx, tr.command(), "")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return runOutcome{usesDeadline: true, err: expectKilled(cmd.Run())}
}

// runKillpg puts the child in its own process group and kills the group.
func runKillpg(tr *trial) runOutcome {
	cmd := tr.command()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return runOutcome{err: err}
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	<-tr.deadline()
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	t := time.NewTimer(tr.cfg.grace)
	defer t.Stop()
	select {
	case <-waited:
		_ = syscall.Kill(-pgid, syscall.SIGKILL) // ESRCH when the group is empty
	case <-t.C:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-waited
	}
	return runOutcome{}
}

// runGexec is gomega's gexec: Start, then Kill, then wait for Exited.
func runGexec(tr *trial) runOutcome {
	sess, err := gexec.Start(tr.command(), nil, nil)
	if err != nil {
		return runOutcome{err: err}
	}
	<-tr.deadline()
	sess.Kill()
	<-sess.Exited
	return runOutcome{}
}

// runTimeout runs the fixture under GNU timeout.
func runTimeout(tr *trial) runOutcome {
	pre := []string{"-k", seconds(tr.cfg.grace), seconds(tr.cfg.timeout - time.Since(tr.begin))}
	cmd := wrap(context.Background(), tr.command(), "timeout", pre...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return runOutcome{usesDeadline: true, err: expectKilled(cmd.Run())} // exit 124 or 137
}

// seconds formats d for GNU timeout ("0.3s"); at least 1ms.
func seconds(d time.Duration) string {
	d = max(d, time.Millisecond)
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + "s"
}

// runSysprims is sysprimstest.Run with a deadline.
func runSysprims(tr *trial) runOutcome {
	tb := sysprimstest.NewRecorder("compare/" + tr.sc.Name)
	left := max(tr.cfg.timeout-time.Since(tr.begin), time.Millisecond) // 0 would mean no deadline
	res := sysprimstest.Run(tb, left, tr.command(), tr.sysprimsOptions()...)
	tb.Close()
	return sysprimsOutcome(tb, res, true)
}

// startSysprims is sysprimstest.Start, torn down by the test's cleanup.
func startSysprims(tr *trial) runOutcome {
	tb := sysprimstest.NewRecorder("compare/" + tr.sc.Name)
	p := sysprimstest.Start(tb, tr.command(), tr.sysprimsOptions()...)
	<-tr.deadline()
	tb.Close()
	return sysprimsOutcome(tb, p.Result(), false)
}

// sysprimsOptions are the options both sysprims runners use.
func (tr *trial) sysprimsOptions() []sysprimstest.Option {
	opts := []sysprimstest.Option{sysprimstest.WithGrace(tr.cfg.grace)}
	if tr.cfg.mechanism != "" {
		opts = append(opts, sysprimstest.WithMechanism(process.Mechanism(tr.cfg.mechanism)))
	}
	return opts
}

func sysprimsOutcome(tb *sysprimstest.Recorder, res *sysprimstest.Result, deadline bool) runOutcome {
	out := runOutcome{usesDeadline: deadline, skipped: tb.Skipped()}
	if res == nil {
		out.err = errors.New("no result")
		return out
	}
	out.mechanism, out.reliability, out.err = string(res.Mechanism), string(res.Reliability), res.Err
	for _, p := range res.Survivors {
		out.selfReported = append(out.selfReported, p.String())
	}
	if res.Err == nil && len(tb.Errors()) > 0 && len(res.Survivors) == 0 {
		out.err = fmt.Errorf("%s", tb.Errors()[0])
	}
	return out
}

// expectKilled drops the error a killed or timed-out command is expected
// to return, keeping real failures (could not start).
func expectKilled(err error) error {
	var ee *exec.ExitError
	if err == nil || errors.As(err, &ee) {
		return nil
	}
	return err
}
