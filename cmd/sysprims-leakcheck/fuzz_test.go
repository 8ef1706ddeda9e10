package main

import (
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// FuzzParseBaseline checks the reader of check's --baseline file: no
// document with an error; an accepted one is the snapshot
// proc.UnmarshalSnapshot reads, unfiltered, with processes of valid pids;
// and the scope built from it never judges one of its own processes new,
// nor masks a process that started more than startSlack away from every
// start time of its pid.
func FuzzParseBaseline(f *testing.F) {
	paths, _ := filepath.Glob("testdata/baseline/*.json")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, int64(0))
	}
	head := `{"schema_id":"` + proc.SnapshotSchemaID + `","timestamp":"2025-01-01T00:00:00Z",`
	f.Add([]byte(head+`"processes":[{"pid":7,"start_time_unix_ms":-9223372036854775808}]}`), int64(1_700_000_000_000))
	f.Add([]byte(head+`"processes":[{"pid":7,"start_time_unix_ms":-16746744073709}]}`), int64(1_700_000_000_000))
	f.Add([]byte(head+`"filter":{"pid_in":[1]},"processes":[{"pid":1}]}`), int64(0))
	f.Add([]byte(head+`"processes":[{"pid":0}]}`), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, start int64) {
		doc, err := parseBaseline(data)
		if err != nil {
			if !reflect.DeepEqual(doc, baselineDoc{}) {
				t.Fatalf("parseBaseline(%s) = %+v with %v", data, doc, err)
			}
			return
		}
		snap, err := proc.UnmarshalSnapshot(data)
		if err != nil || snap.Filter != nil || len(doc.Processes) == 0 || !reflect.DeepEqual(snap.Processes, doc.Processes) ||
			!snap.Taken.Equal(doc.Taken) || !reflect.DeepEqual(snap.Origin, doc.Origin) {
			t.Fatalf("parseBaseline(%s) = %+v; UnmarshalSnapshot reads %+v, %v", data, doc, snap, err)
		}
		comparable(doc.Origin, proc.Origin{UID: -1})
		sc := newScope(doc, -1)
		for _, p := range doc.Processes {
			if p.PID <= 0 {
				t.Fatalf("parseBaseline(%s) accepted pid %d", data, p.PID)
			}
			if sc.isNew(p) {
				t.Fatalf("baseline process %+v judged new", p)
			}
		}
		checkMasking(t, sc, doc.Processes[0].PID, start)
	})
}

// checkMasking checks that inBaseline finds a start time within
// startSlack of one the baseline holds for pid, computed exactly.
func checkMasking(t *testing.T, sc scope, pid int, start int64) {
	t.Helper()
	slack := big.NewInt(startSlack.Milliseconds())
	want := false
	for _, s := range sc.known[pid] {
		d := new(big.Int).Sub(big.NewInt(start), big.NewInt(s))
		if d.Abs(d).Cmp(slack) <= 0 {
			want = true
		}
	}
	if got := inBaseline(sc.known[pid], start); got != want {
		t.Fatalf("inBaseline(%v, %d) = %v, want %v", sc.known[pid], start, got, want)
	}
}
