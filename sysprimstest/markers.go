package sysprimstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync/atomic"

	"github.com/3leaps/sysprims-go/internal/timeout"
)

// The environment markers every process started through this package
// carries. They survive reparenting and setsid, so a leak can be named
// after the test that made it; a process that clears its environment loses
// them, which is why the containers, not the markers, do the killing.
const (
	EnvRunID  = "SYSPRIMS_RUN_ID" // one per test binary run
	EnvTreeID = timeout.TreeIDEnv // one per started tree
	EnvTest   = "SYSPRIMS_TEST"   // the name of the test that started it
)

// runID names this test binary run in markers.
var runID = newRunID()

var treeSeq atomic.Uint64

func newRunID() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("sysprims: no randomness for the run id: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// RunID returns the marker value that names this test binary run.
func RunID() string { return runID }

// newTreeID returns a tree id unique within this run.
func newTreeID() string {
	return fmt.Sprintf("%s-%d", runID, treeSeq.Add(1))
}

// markerEnv returns the marker variables for a tree started by test.
func markerEnv(treeID, test string) []string {
	return []string{EnvRunID + "=" + runID, EnvTreeID + "=" + treeID, EnvTest + "=" + test}
}
