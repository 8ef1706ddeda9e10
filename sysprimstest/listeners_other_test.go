//go:build !linux

package sysprimstest

import (
	"errors"
	"testing"

	"github.com/3leaps/sysprims-go/fixtures"
)

// TestListenersUnsupported: off Linux the listing says it is unsupported.
func TestListenersUnsupported(t *testing.T) {
	rec := NewRecorder("TestListeners")
	defer rec.Close()
	p := Start(rec, fixtures.Command("sleeper"))
	<-p.Buffer().Detect("ready")
	p.Buffer().CancelDetects()
	if _, err := p.Listeners(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Listeners() error %v, want errors.ErrUnsupported", err)
	}
}
