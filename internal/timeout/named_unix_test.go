//go:build unix

package timeout

import (
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// TestTerminateNamedLive tears down fixture trees this test started
// without the library, one honouring SIGTERM and one ignoring it.
func TestTerminateNamedLive(t *testing.T) {
	for _, tc := range []struct {
		fixture   string
		escalated bool
	}{{"tree", false}, {"tree-ignore-term", true}} {
		t.Run(tc.fixture, func(t *testing.T) {
			r, err := fixtures.Listen()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			defer r.KillAll()
			cmd := fixtures.Command(tc.fixture, "6")
			r.Attach(cmd)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			if _, err := r.Await(6, waittest.Scale(30*time.Second)); err != nil {
				t.Fatal(err)
			}
			o, err := TerminateNamed(cmd.Process.Pid, Config{Grace: waittest.Scale(200 * time.Millisecond)})
			if err != nil {
				t.Fatal(err)
			}
			if o.Escalated != tc.escalated || len(o.Survivors) > 0 || o.Error != "" || o.Mechanism != platform.MechanismNamed {
				t.Errorf("outcome %+v", o)
			}
			checkSchema(t, o)
			if alive := r.Alive(); len(alive) > 0 {
				t.Errorf("alive after TerminateNamed: %v", alive)
			}
		})
	}
}
