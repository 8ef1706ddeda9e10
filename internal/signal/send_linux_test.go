package signal

import (
	"errors"
	"testing"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/proc/proctest"
)

// identityOf reads the identity /proc gives pid (a thread id included).
func identityOf(t *testing.T, pid int) proc.Identity {
	t.Helper()
	p, err := proc.Get(pid, proc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID()
}

// A thread id is not a process: kill(2) with it signals the whole
// process, here the caller itself, which ValidatePID never saw. Before
// the fix, kernels 5.3 to 6.8 (pidfd_open: EINVAL for a thread) and
// those without pidfds fell back to kill(2). Signal 0 keeps a regression
// harmless.
func TestSendRefusesThreadID(t *testing.T) {
	tid := proctest.OtherThread(t)
	for _, viaKill := range []bool{false, true} {
		old := noPidfd.Load()
		noPidfd.Store(viaKill)
		errSend := Send(tid, 0)
		errID := SendIdentity(identityOf(t, tid), 0)
		noPidfd.Store(old)
		for name, err := range map[string]error{"Send": errSend, "SendIdentity": errID} {
			if !errors.Is(err, ErrInvalidPID) {
				t.Errorf("%s(thread %d of the caller, 0) without pidfd=%v: %v, want ErrInvalidPID", name, tid, viaKill, err)
			}
		}
	}
}
