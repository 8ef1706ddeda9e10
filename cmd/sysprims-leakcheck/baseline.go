package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// baselineDoc is a process snapshot written earlier by
// "sysprims-leakcheck snapshot --json".
type baselineDoc struct {
	Taken     time.Time
	Origin    *proc.Origin // nil in a snapshot written without one
	Processes []proc.ProcessInfo
}

// maxBaselineSize bounds what readBaseline reads: a snapshot of 100k
// processes with command lines stays well under it.
const maxBaselineSize = 64 << 20

// readBaseline reads and checks the baseline file at path.
func readBaseline(path string) (baselineDoc, error) {
	f, err := os.Open(path)
	if err != nil {
		return baselineDoc{}, fmt.Errorf("baseline: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBaselineSize+1))
	if err != nil {
		return baselineDoc{}, fmt.Errorf("baseline %s: %w", path, err)
	}
	doc, err := parseBaseline(data)
	if err != nil {
		return baselineDoc{}, fmt.Errorf("baseline %s: %w", path, err)
	}
	return doc, nil
}

// parseBaseline decodes a snapshot document (proc.UnmarshalSnapshot) and
// checks it can serve as a baseline: it holds processes with valid pids,
// and it is whole. A snapshot reduced by --filter is refused: a process the
// filter left out would look new to check, and --kill would remove it.
func parseBaseline(data []byte) (baselineDoc, error) {
	if len(data) > maxBaselineSize {
		return baselineDoc{}, errors.New("file too large")
	}
	doc, err := proc.UnmarshalSnapshot(data)
	if err != nil {
		return baselineDoc{}, fmt.Errorf("not a process snapshot: %v", err)
	}
	if doc.Filter != nil {
		return baselineDoc{}, errors.New("the snapshot was taken with --filter; take the baseline without one")
	}
	if len(doc.Processes) == 0 {
		return baselineDoc{}, errors.New("no processes in the snapshot")
	}
	for _, p := range doc.Processes {
		if p.PID <= 0 {
			return baselineDoc{}, fmt.Errorf("invalid pid %d in the snapshot", p.PID)
		}
	}
	return baselineDoc{Taken: doc.Taken, Origin: doc.Origin, Processes: doc.Processes}, nil
}

// comparable refuses a baseline whose origin differs from here: pids and
// start times of another boot, machine or pid namespace name other
// processes, and a snapshot taken by another user (or user namespace) may
// have seen fewer processes, so the rest would look new.
func comparable(base *proc.Origin, here proc.Origin) error {
	const retake = "; take the baseline again, here"
	if base == nil {
		return errors.New("the snapshot records no origin (boot, machine, namespace, user), so it cannot be shown to be comparable" + retake)
	}
	for _, f := range []struct{ what, was, now string }{
		{"boot (boot id)", base.BootID, here.BootID},
		{"machine (machine id)", base.MachineID, here.MachineID},
		{"pid namespace", base.PIDNamespace, here.PIDNamespace},
		{"user namespace", base.UserNamespace, here.UserNamespace},
		{"user (uid)", strconv.Itoa(base.UID), strconv.Itoa(here.UID)},
	} {
		if f.was != f.now {
			return fmt.Errorf("taken in another %s: %s there, %s here%s", f.what, orNone(f.was), orNone(f.now), retake)
		}
	}
	return nil
}

// current refuses a baseline dated after now (beyond the slack between
// two snapshots): every process would look older than it, so nothing
// would ever be new. Only a clock stepped back or an edited file dates it
// so.
func current(taken, now time.Time) error {
	if taken.After(now.Add(startSlack)) {
		return fmt.Errorf("dated %s, after now (%s): every process would look older than it; take the baseline again",
			taken.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
