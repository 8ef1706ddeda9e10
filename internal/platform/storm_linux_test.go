package platform

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/waittest"
)

// stormScript keeps forking while the test tears it down: 400 children,
// each escaping into a new session with setsid. An escapee that calls
// setsid just before the group is signalled is found only through its
// parent, so a teardown that kills the parent before finding its children
// leaks it (the process group mechanism did, 4 runs in 60).
const stormScript = `
sh -c 'i=0; while [ $i -lt 400 ]; do setsid sleep 300 & i=$((i+1)); done; wait' &
echo $!
echo ready
wait
`

func TestForkStormTeardown(t *testing.T) {
	eachMechanism(t, Spec{}, func(t *testing.T, c Container) {
		tt := startScript(t, c, stormScript, 1)
		if err := c.Kill(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), waittest.Scale(10*time.Second))
		defer cancel()
		if err := c.WaitEmpty(ctx); err != nil {
			t.Fatal(err)
		}
		tt.waitNoSurvivors(t, 2*time.Second)
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCloseWithoutWaitReapsRoot(t *testing.T) {
	eachMechanism(t, Spec{Name: "close"}, func(t *testing.T, c Container) {
		cmd := exec.Command("sleep", "300")
		if err := c.Start(cmd); err != nil {
			t.Fatal(err)
		}
		if c.PID() <= 0 {
			t.Fatalf("pid %d", c.PID())
		}
		ms, err := c.Members()
		if err != nil || !contains(ms, c.PID()) {
			t.Fatalf("members %v %v", ms, err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal("second Close:", err)
		}
		if _, ok := liveStart(c.PID()); ok {
			t.Fatalf("root %d alive after Close", c.PID())
		}
		if st, _ := c.Wait(); st.Code != -1 {
			t.Errorf("exit after Close %+v", st)
		}
	})
}

func TestWaitEmptyHonoursContext(t *testing.T) {
	eachMechanism(t, Spec{}, func(t *testing.T, c Container) {
		startScript(t, c, "sleep 300 & echo $!; echo ready; wait", 1)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := c.WaitEmpty(ctx); err == nil {
			t.Fatal("WaitEmpty returned nil with a live tree")
		}
	})
}

func TestUseBeforeStartPanics(t *testing.T) {
	for _, m := range []Mechanism{MechanismCgroup, MechanismSubreaper, MechanismProcessGroup} {
		c, err := New(Spec{Mechanism: m})
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Members before Start did not panic", m)
				}
			}()
			c.Members()
		}()
		if err := c.Close(); err != nil {
			t.Errorf("%s: Close before Start: %v", m, err)
		}
	}
}
