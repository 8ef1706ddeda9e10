package main

import (
	"context"
	"os/exec"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
)

// scenario is one adversarial tree from the fixtures package.
type scenario struct {
	fixtures.Scenario
}

// scenarios returns the fixtures package's scenarios, in its order.
func scenarios() []scenario {
	var out []scenario
	for _, s := range fixtures.Scenarios() {
		out = append(out, scenario{s})
	}
	return out
}

// watch is the fixtures reporter of one trial: every process of the tree
// reports to it when in place, and it checks and kills them by identity.
type watch struct {
	r *fixtures.Reporter
}

func newWatch() (*watch, error) {
	r, err := fixtures.Listen()
	if err != nil {
		return nil, err
	}
	return &watch{r: r}, nil
}

// command returns the fixture command of sc, reporting to w.
func (w *watch) command(sc scenario) *exec.Cmd {
	return w.attach(fixtures.Command(sc.Name, sc.Args...))
}

func (w *watch) attach(cmd *exec.Cmd) *exec.Cmd {
	w.r.Attach(cmd)
	return cmd
}

// await returns nil once n processes have reported, or an error after
// bound or when ctx is done.
func (w *watch) await(ctx context.Context, n int, bound time.Duration) error {
	done := make(chan error, 1)
	go func() {
		_, err := w.r.Await(n, bound)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// alive returns the pids of reported processes that are still alive (same
// start time, not zombies), and of unreported ones carrying the
// reporter's address.
func (w *watch) alive() []int {
	var out []int
	for _, r := range w.r.Alive() {
		out = append(out, r.PID)
	}
	return out
}

// killAll kills every process alive() returns, by identity.
func (w *watch) killAll() { w.r.KillAll() }

func (w *watch) close() { _ = w.r.Close() }
