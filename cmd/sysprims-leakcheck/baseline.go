package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// baselineDoc is a process snapshot written earlier by
// "sysprims-leakcheck snapshot --json".
type baselineDoc struct {
	Taken     time.Time
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
	return baselineDoc{Taken: doc.Taken, Processes: doc.Processes}, nil
}
