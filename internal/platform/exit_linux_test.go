package platform

import (
	"bytes"
	"os/exec"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/waittest"
)

// TestExitedBeforeWait: when the root exits leaving a daemon that holds
// its output pipe, Exited says so while Wait still waits for the pipe
// (here with a WaitDelay of an hour); Wait returns once Close killed the
// daemon.
func TestExitedBeforeWait(t *testing.T) {
	for _, m := range []Mechanism{MechanismCgroup, MechanismProcessGroup} {
		t.Run(string(m), func(t *testing.T) {
			if !Probe().Has(m) {
				t.Skipf("%s unavailable: %v", m, Probe().Notes)
			}
			c := mustNew(t, Spec{Mechanism: m, Name: "t/exited"}, ReliabilityOf(m))
			var out bytes.Buffer
			cmd := exec.Command("sh", "-c", "sleep 300 & exit 7")
			cmd.Stdout, cmd.WaitDelay = &out, time.Hour
			if err := c.Start(cmd); err != nil {
				t.Fatal(err)
			}
			waited := make(chan ExitStatus, 1)
			go func() { st, _ := c.Wait(); waited <- st }()
			select {
			case <-c.(ExitWatcher).Exited():
			case <-time.After(waittest.Scale(30 * time.Second)):
				c.Close()
				t.Fatal("Exited did not close after the root exited")
			}
			select {
			case st := <-waited:
				t.Fatalf("Wait returned %+v while the daemon held the pipe", st)
			default:
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if st := <-waited; st.Code != 7 {
				t.Errorf("root status %+v, want exit 7", st)
			}
		})
	}
}
