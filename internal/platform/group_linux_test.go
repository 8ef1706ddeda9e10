package platform

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
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

// TestGroupMarkersProveNothing: an escapee that called setsid and whose
// parent exited before any scan carries the tree's markers, but a marker
// proves nothing (any process may copy an environment): the process group
// container neither counts it as a member nor kills it. (The engine finds
// it by its marker afterwards and reports it.)
func TestGroupMarkersProveNothing(t *testing.T) {
	c, err := New(Spec{Mechanism: MechanismProcessGroup, Markers: owner.Markers(owner.NewTreeID(), "")})
	if err != nil {
		t.Fatal(err)
	}
	tt := startScript(t, c, `sh -c 'setsid sh -c "sleep 300 & echo \$!; echo ready; wait" &' ; wait`, 1)
	if _, err := c.Wait(); err != nil && !errors.Is(err, exec_ErrWaitDelay) {
		t.Fatal(err)
	}
	members, err := c.Members()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	left := tt.survivors()
	for pid := range tt.pids {
		if contains(members, pid) || !contains(left, pid) {
			t.Errorf("the marked escapee %d: a member %v, alive after Close %v; want no member, alive", pid, contains(members, pid), contains(left, pid))
		}
	}
	for _, pid := range left { // ours: the test started them
		syscall.Kill(pid, syscall.SIGKILL)
	}
	tt.waitNoSurvivors(t, 2*time.Second)
}
