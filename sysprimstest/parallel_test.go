package sysprimstest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// TestParallelTrees runs 50 parallel tests that each start and tear down a
// tree while checking for leaks; every third one also leaves a tree behind
// on purpose. Each test must see exactly its own leaks, and no test may
// kill another's processes.
func TestParallelTrees(t *testing.T) {
	n := 50
	if testing.Short() {
		n = 10
	}
	for i := range n {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			parallelTree(t, i%3 == 0)
		})
	}
}

func parallelTree(t *testing.T, leak bool) {
	r := listen(t)
	rec := NewRecorder(t.Name())
	VerifyNoLeaks(rec)
	cmd := fixtures.Command("grandchild")
	r.Attach(cmd)
	p := Start(rec, cmd, WithGrace(500*time.Millisecond))
	if leak {
		leakTree(t, listen(t), t.Name())
	}
	if _, err := r.Await(3, waittest.Scale(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if alive := aliveMembers(r); len(alive) != 3 {
		t.Fatalf("processes died before teardown (killed by another test?): %d of 3 alive", len(alive))
	}
	if res := p.Stop(); len(res.Survivors) > 0 {
		t.Errorf("survivors: %v", res.Survivors)
	}
	errs := rec.Close()
	switch {
	case leak && strings.Count(errs, "started by "+t.Name()+")") != 3:
		t.Errorf("want exactly this test's 3 leaked processes, got:\n%s", errs)
	case leak && strings.Count(errs, "started by ") != 3:
		t.Errorf("another test's processes were charged here:\n%s", errs)
	case !leak && errs != "":
		t.Errorf("a clean test was charged with leaks:\n%s", errs)
	}
	assertGoneWithin(t, r, time.Second)
}

// TestParallelVerifyNoLeaks runs parallel tests that each check for
// leaks with VerifyNoLeaks(t), start a 6-process tree and stop it: no
// test may charge or kill another's processes (one caught mid-exec has
// no markers yet, and a descendant without markers is never killed by a
// test's check). 20 tests; SYSPRIMS_LONG=1 runs the 100 of the issue,
// meant for -race -count=3 on a loaded machine.
func TestParallelVerifyNoLeaks(t *testing.T) {
	n := 20
	if os.Getenv("SYSPRIMS_LONG") == "1" {
		n = 100
	}
	for i := range n {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			VerifyNoLeaks(t)
			p := Start(t, fixtures.Command("tree", "6"), WithGrace(time.Second))
			select {
			case <-p.Buffer().Detect("ready"):
			case <-time.After(waittest.Scale(60 * time.Second)):
				t.Fatalf("tree not ready: %v", p)
			}
			p.Buffer().CancelDetects()
			if ms, err := p.Members(); err != nil || len(ms) != 6 || p.ExitCode() != -1 {
				t.Fatalf("the tree lost members before its teardown (killed by another test?): %d of 6, exit %d, %v", len(ms), p.ExitCode(), err)
			}
			if res := p.Stop(); len(res.Survivors) > 0 || res.Err != nil {
				t.Errorf("teardown: %v", res)
			}
		})
	}
}
