package platform

import (
	"errors"
	"syscall"
	"testing"
	"time"
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
	tag := newTag()
	c, err := New(Spec{Mechanism: MechanismProcessGroup, Markers: []string{"SYSPRIMS_TREE_ID=" + tag}})
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
