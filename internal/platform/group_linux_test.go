package platform

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/proc"
)

func newGroup(t *testing.T) Container {
	t.Helper()
	return mustNew(t, Spec{Mechanism: MechanismProcessGroup}, BestEffort)
}

func TestGroupKillAdversarialTree(t *testing.T) {
	c := newGroup(t)
	tt := startScript(t, c, advScript, advPIDs)
	assertHeld(t, c, tt)
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	mustEmpty(t, c)
	st, err := c.Wait()
	if err != nil && !errors.Is(err, exec_ErrWaitDelay) {
		t.Fatal(err)
	}
	if st.Signal != syscall.SIGKILL {
		t.Errorf("root ended with %+v, want SIGKILL", st)
	}
	tt.waitNoSurvivors(t, 2*time.Second)
}

func TestGroupSignalTermLeavesIgnorers(t *testing.T) {
	c := newGroup(t)
	tt := startScript(t, c, advScript, advPIDs)
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Wait(); err != nil && !errors.Is(err, exec_ErrWaitDelay) {
		t.Fatal(err)
	}
	// The TERM-ignoring sleep survives SIGTERM (+CONT); Kill finishes it.
	if len(tt.survivors()) == 0 {
		t.Fatal("the TERM-ignoring member died of SIGTERM")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	tt.waitNoSurvivors(t, 2*time.Second)
}

func TestGroupMarkersFindReparentedEscapee(t *testing.T) {
	c, err := New(Spec{Mechanism: MechanismProcessGroup, Markers: owner.Markers(owner.NewTreeID(), "")})
	if err != nil {
		t.Fatal(err)
	}
	// The escapee calls setsid and its parent exits: only the marker
	// (or a scan made while its parent lived) can find it.
	tt := startScript(t, c, `sh -c 'setsid sh -c "sleep 300 & echo \$!; echo ready; wait" &' ; wait`, 1)
	if _, err := c.Wait(); err != nil && !errors.Is(err, exec_ErrWaitDelay) {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	tt.waitNoSurvivors(t, 2*time.Second)
}

// A scan marks a process by owner.InTree: the tree id alone, from a
// wrapper's run or on a helper, marks nothing (the scan's copy of the rule
// once matched the raw entries).
func TestEntryMarkedByInTree(t *testing.T) {
	id := owner.NewTreeID()
	ours := map[string]string{owner.EnvRunID: owner.RunID(), owner.EnvTreeID: id}
	wrapper := map[string]string{owner.EnvRunID: "0badc0de", owner.EnvTreeID: id}
	helper := map[string]string{owner.EnvRunID: owner.RunID(), owner.EnvTreeID: id, owner.EnvShim: "1"}
	for _, tt := range []struct {
		markers map[string]string
		tree    string
		want    bool
	}{{ours, id, true}, {ours, "", false}, {ours, id + "0", false}, {wrapper, id, false}, {helper, id, false}} {
		if got := entryOf(proc.ProcessInfo{PID: 7, Markers: tt.markers}, tt.tree).marked; got != tt.want {
			t.Errorf("entryOf(%v, %q).marked = %v, want %v", tt.markers, tt.tree, got, tt.want)
		}
	}
}
