//go:build unix

package timeout

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// SignalRoot ends the root alone; the members live on until the
// teardown, the outcome does not blame someone else, and a second signal
// says os.ErrProcessDone.
func TestSignalRoot(t *testing.T) {
	r, err := fixtures.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer r.KillAll()
	cmd := fixtures.Command("grandchild")
	r.Attach(cmd)
	tr, err := Start(cmd, Config{Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Await(3, waittest.Scale(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := tr.SignalRoot(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-tr.Done()
	if err := tr.SignalRoot(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("second SignalRoot: %v, want os.ErrProcessDone", err)
	}
	if live, err := tr.Members(); err != nil || len(live) != 2 {
		t.Errorf("members after the root's end: %d, %v", len(live), err)
	}
	o := tr.Stop()
	if o.TermSignal != "SIGTERM" || o.KilledExternally || len(o.Leftovers) != 2 || len(o.Survivors) > 0 {
		t.Errorf("outcome %+v", o)
	}
	if alive := r.Alive(); len(alive) > 0 {
		t.Errorf("alive after Stop: %v", alive)
	}
}
