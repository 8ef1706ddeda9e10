package platform

import (
	"fmt"
	"os"
	"slices"
	"sync"
)

var (
	eventsMu       sync.Mutex
	guardianEvents []error
)

// GuardianEvents returns one error per time the cgroup guardian of this
// process died while this process lived, in order, each saying whether a
// new guardian replaced it. It is empty when that never happened, and
// always on platforms without guardians. A guardian's death kills no tree
// (a guardian cleans up only after its caller is gone); between the death
// and the replacement, a crash of this process would have stranded its
// cgroup trees.
func GuardianEvents() []error {
	eventsMu.Lock()
	defer eventsMu.Unlock()
	return slices.Clone(guardianEvents)
}

// noteGuardianEvent records err and prints it on stderr, so a test log
// shows it even when nobody asks.
func noteGuardianEvent(err error) {
	eventsMu.Lock()
	guardianEvents = append(guardianEvents, err)
	eventsMu.Unlock()
	fmt.Fprintln(os.Stderr, err)
}
