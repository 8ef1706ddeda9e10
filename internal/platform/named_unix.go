//go:build unix

package platform

import (
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// stopWait bounds the wait for one round of stopped members to be seen
// stopped (a member in uninterruptible sleep stops when it leaves it).
const stopWait = time.Second

// canStop says that a named tree is frozen with SIGSTOP here, and that
// the polite signal reaches it (followed by SIGCONT).
const canStop = true

// stopAll sends SIGSTOP to every process of ids and waits, bounded,
// until each is stopped or gone: a stop takes effect when its target
// next returns to user mode, so a fork in progress completes first, and
// its child shows in the children files only after that.
func stopAll(ids []process.Identity) {
	_ = sendAll(ids, syscall.SIGSTOP)
	deadline := time.Now().Add(stopWait)
	d := 100 * time.Microsecond
	for _, id := range ids {
		for !stoppedOrGone(id) && time.Now().Before(deadline) {
			time.Sleep(d)
			d = min(2*d, 5*time.Millisecond)
		}
	}
}

// resumeAll sends SIGCONT to every process of ids.
func resumeAll(ids []process.Identity) error { return sendAll(ids, syscall.SIGCONT) }

func stoppedOrGone(id process.Identity) bool {
	p, ok := proc.Running(id, proc.Options{})
	if !ok {
		return true
	}
	return p.State == proc.StateStopped || p.State == proc.StateTracing
}
