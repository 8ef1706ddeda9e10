package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"
)

// Cell is what one runner did to one scenario.
type Cell struct {
	Scenario string `json:"scenario"`
	Runner   string `json:"runner"`
	// Survivors is the number of the scenario's processes still alive
	// (zombies excluded) after the runner returned, counted by the
	// harness's own scan of /proc.
	Survivors int      `json:"survivors"`
	Leaked    []string `json:"leaked,omitempty"` // one line per survivor
	// Hung reports that the runner had not returned within the bound
	// (timeout + grace + -hang after the deadline); it was abandoned and
	// freed by the harness's cleanup.
	Hung bool `json:"hung"`
	// ReturnMs is the time from starting the runner to its return (or to
	// its abandonment when hung).
	ReturnMs float64 `json:"return_ms"`
	// ReadyMs is when the tree reported ready; -1 if it never did.
	ReadyMs float64 `json:"ready_ms"`
	// Late reports that the tree was not ready when the deadline fired, so
	// the runner saw a partial tree.
	Late bool `json:"late,omitempty"`
	// TimeoutMs is the deadline used. A runner with a deadline of its own
	// whose tree was late is run again once with the deadline moved past
	// the readiness seen (Retried).
	TimeoutMs float64 `json:"timeout_ms"`
	Retried   bool    `json:"retried,omitempty"`
	deadline  bool    // the runner times out on its own clock
	// Cleaned is the number of processes the harness killed afterwards.
	Cleaned int `json:"cleaned"`
	// Mechanism and Reliability are what sysprims reported (sysprims
	// runners only); SelfReported is its own survivor count.
	Mechanism    string   `json:"mechanism,omitempty"`
	Reliability  string   `json:"reliability,omitempty"`
	SelfReported []string `json:"self_reported,omitempty"`
	Skipped      string   `json:"skipped,omitempty"`
	Error        string   `json:"error,omitempty"`
}

// config holds the command-line settings that shape a run.
type config struct {
	timeout   time.Duration // deadline for the timeout runners, from start
	grace     time.Duration // TERM → KILL grace for every runner that has one
	hang      time.Duration // extra time before a runner counts as hung
	settle    time.Duration // how long survivors may take to disappear
	ready     time.Duration // how long a tree may take to report ready
	mechanism string        // for the sysprims runners; "" for the strongest
}

// trial is one scenario under one runner: the fixture command, its
// reporter, and the clock the runner's deadline is measured on.
type trial struct {
	cfg     config
	sc      scenario
	w       *watch
	token   string // SYSPRIMS_COMPARE_TRIAL value carried by the tree
	begin   time.Time
	ready   chan struct{} // closed when the tree reported ready
	over    chan struct{} // closed when the trial is over
	readyAt atomic.Int64  // ns after begin; 0 until ready
}

var trialSeq atomic.Int64

// trialEnv is the variable the harness adds to every fixture it starts,
// so the independent scan finds members that are not reported.
const trialEnv = "SYSPRIMS_COMPARE_TRIAL"

// command returns a fresh fixture command for the trial (runners that
// wrap it copy its Path, Args and Env).
func (tr *trial) command() *exec.Cmd {
	cmd := tr.w.command(tr.sc)
	cmd.Env = append(cmd.Env, trialEnv+"="+tr.token)
	return cmd
}

// deadline returns a channel that fires cfg.timeout after begin, or when
// the tree is ready if that is later (bounded by cfg.ready). Runners that
// kill rather than time out wait on it before killing.
func (tr *trial) deadline() <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		t := time.NewTimer(time.Until(tr.begin.Add(tr.cfg.timeout)))
		defer t.Stop()
		select {
		case <-t.C:
		case <-tr.over:
			return
		}
		bound := time.NewTimer(time.Until(tr.begin.Add(tr.cfg.ready)))
		defer bound.Stop()
		select {
		case <-tr.ready:
		case <-bound.C:
		case <-tr.over:
		}
	}()
	return ch
}

// runCellFair runs the cell; when a runner with a deadline of its own saw
// a partial tree (a loaded machine), it runs it once more with the
// deadline moved past the readiness seen so far for the scenario, so every
// runner is judged on the whole tree. ready holds that readiness (ms) per
// scenario; a scenario never seen ready is measured first, under a runner
// that waits for readiness.
func runCellFair(sc scenario, r runner, cfg config, ready map[string]float64) Cell {
	c := runCell(sc, r, cfg)
	ready[sc.Name] = max(ready[sc.Name], c.ReadyMs)
	if !c.Late || !c.deadline {
		return c
	}
	if ready[sc.Name] <= 0 {
		ready[sc.Name] = runCell(sc, killpgRunner(), cfg).ReadyMs
	}
	if ready[sc.Name] <= 0 {
		return c
	}
	cfg.timeout += time.Duration(2 * ready[sc.Name] * float64(time.Millisecond))
	c = runCell(sc, r, cfg)
	c.Retried = true
	return c
}

// runCell runs one scenario under one runner and cleans up after it.
func runCell(sc scenario, r runner, cfg config) Cell {
	c := Cell{Scenario: sc.Name, Runner: r.Name, ReadyMs: -1, TimeoutMs: ms(cfg.timeout)}
	w, err := newWatch()
	if err != nil {
		c.Error = err.Error()
		return c
	}
	defer w.close()
	tr := &trial{cfg: cfg, sc: sc, w: w, ready: make(chan struct{}), over: make(chan struct{}),
		token: fmt.Sprintf("%d-%d", os.Getpid(), trialSeq.Add(1))}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer close(tr.over)
	tr.begin = time.Now()
	go tr.awaitReady(ctx)
	done := make(chan runOutcome, 1)
	go func() { done <- r.run(tr) }()
	out, ok := tr.watchdog(done)
	c.ReturnMs = ms(time.Since(tr.begin))
	tr.lastReports()
	cancel()
	c.Hung = !ok
	tr.record(&c, out)
	tr.judge(&c)
	if !ok {
		tr.release(done, &c)
	}
	return c
}

// awaitReady closes tr.ready when the fixture tree has reported ready.
func (tr *trial) awaitReady(ctx context.Context) {
	if err := tr.w.await(ctx, tr.sc.Processes, tr.cfg.ready); err != nil {
		return
	}
	tr.readyAt.Store(int64(time.Since(tr.begin)))
	close(tr.ready)
}

// lastReports gives reports already sent (by a root that reported and
// exited, ending the runner) cfg.settle to arrive.
func (tr *trial) lastReports() {
	t := time.NewTimer(tr.cfg.settle)
	defer t.Stop()
	select {
	case <-tr.ready:
	case <-t.C:
	}
}

// watchdog waits for the runner to return, at most until the deadline
// (or readiness) plus grace plus cfg.hang. ok is false when it hung.
func (tr *trial) watchdog(done <-chan runOutcome) (runOutcome, bool) {
	dl := tr.deadline()
	select {
	case out := <-done:
		return out, true
	case <-dl:
	}
	t := time.NewTimer(tr.cfg.grace + tr.cfg.hang)
	defer t.Stop()
	select {
	case out := <-done:
		return out, true
	case <-t.C:
		return runOutcome{}, false
	}
}

// record copies the runner's outcome and the readiness into c.
func (tr *trial) record(c *Cell, out runOutcome) {
	at := time.Duration(tr.readyAt.Load())
	c.Late = at == 0 || (out.usesDeadline && at > tr.cfg.timeout)
	if at > 0 {
		c.ReadyMs = ms(at)
	}
	c.deadline = out.usesDeadline
	c.Mechanism, c.Reliability = out.mechanism, out.reliability
	c.SelfReported, c.Skipped = out.selfReported, out.skipped
	if out.err != nil {
		c.Error = out.err.Error()
	}
}

// judge counts survivors (allowing cfg.settle for processes already
// killed to disappear), then kills every member left, whatever the
// runner did.
func (tr *trial) judge(c *Cell) {
	left := tr.survivors()
	for end := time.Now().Add(tr.cfg.settle); len(left) > 0 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
		left = tr.survivors()
	}
	c.Survivors = len(left)
	for _, l := range left {
		c.Leaked = append(c.Leaked, l.String())
	}
	c.Cleaned = tr.cleanup()
	if rest := tr.survivors(); len(rest) > 0 {
		c.Error = fmt.Sprintf("harness could not remove %d process(es): %s", len(rest), rest[0])
	}
}

// survivors is the independent scan: the processes that reported to the
// watch, and those that carry the trial's variable, alive and not zombies.
func (tr *trial) survivors() []live {
	return alive(append(tr.w.alive(), withEnv(trialEnv+"="+tr.token)...))
}

// cleanup kills every survivor by pid until none is left (a fork storm
// may still be spawning) and returns how many it killed.
func (tr *trial) cleanup() int {
	seen := map[int]bool{}
	defer tr.w.killAll()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		left := tr.survivors()
		if len(left) == 0 {
			break
		}
		for _, l := range left {
			seen[l.PID] = true
			kill(l)
		}
		tr.w.killAll()
		time.Sleep(5 * time.Millisecond)
	}
	return len(seen)
}

// release waits for a hung runner to return now that its tree is gone,
// so its direct child is reaped; a runner that still does not return is
// reported and abandoned.
func (tr *trial) release(done <-chan runOutcome, c *Cell) {
	select {
	case <-done:
	case <-time.After(tr.cfg.hang):
		c.Error = strings.TrimSpace(c.Error + " runner still blocked after cleanup; abandoned")
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
