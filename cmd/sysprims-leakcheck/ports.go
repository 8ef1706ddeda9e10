package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// portsSchemaID identifies the JSON document of "snapshot --ports".
const portsSchemaID = "https://schemas.3leaps.dev/sysprims-go/process/v1.0.0/ports-snapshot.schema.json"

// portsDoc is the JSON document of "snapshot --ports"
// (schemas/ports-snapshot.schema.json).
type portsDoc struct {
	SchemaID  string        `json:"schema_id"`
	Timestamp string        `json:"timestamp"`
	Origin    proc.Origin   `json:"origin"`
	Filter    *proc.Filter  `json:"filter,omitempty"`
	Listeners []portsRecord `json:"listeners"`
}

// portsRecord is one listening socket with the process holding it.
type portsRecord struct {
	process.Listener
	Name    string   `json:"name,omitempty"`
	Cmdline []string `json:"cmdline,omitempty"`
}

// portsCmd implements "snapshot --ports": every listening socket, or
// those of the processes f keeps.
func portsCmd(stdout, stderr io.Writer, f *proc.Filter, asJSON bool) int {
	ls, err := listeners(f)
	if err != nil && len(ls) == 0 {
		return usageError(stderr, "snapshot --ports: "+err.Error())
	}
	recs := describeListeners(ls)
	if asJSON {
		err = writePortsJSON(stdout, recs, f)
	} else {
		err = writePortColumns(stdout, recs)
	}
	if err != nil {
		return usageError(stderr, "snapshot --ports: "+err.Error())
	}
	return exitOK
}

// listeners lists every listening socket, or those held by the processes
// f keeps.
func listeners(f *proc.Filter) ([]process.Listener, error) {
	if f == nil {
		return proc.AllListening()
	}
	ps, err := proc.Snapshot(proc.Options{Fields: f.Fields()})
	if err != nil && len(ps) == 0 {
		return nil, err
	}
	var pids []int
	for _, p := range f.Apply(ps) {
		pids = append(pids, p.PID)
	}
	return proc.Listening(pids)
}

// describeListeners adds the name and command line of each holder.
func describeListeners(ls []process.Listener) []portsRecord {
	recs := make([]portsRecord, len(ls))
	known := map[int]proc.ProcessInfo{}
	for i, l := range ls {
		recs[i].Listener = l
		if l.PID == 0 {
			continue
		}
		p, ok := known[l.PID]
		if !ok {
			p, _ = proc.Get(l.PID, proc.Options{Fields: proc.FieldCmdline})
			known[l.PID] = p
		}
		recs[i].Name, recs[i].Cmdline = p.Name, p.Cmdline
	}
	return recs
}

func writePortsJSON(w io.Writer, recs []portsRecord, f *proc.Filter) error {
	if recs == nil {
		recs = []portsRecord{}
	}
	doc := portsDoc{portsSchemaID, time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00"), proc.CurrentOrigin(), f, recs}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// writePortColumns writes one aligned row per socket.
func writePortColumns(w io.Writer, recs []portsRecord) error {
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	fmt.Fprintln(tw, "PROTO\tADDRESS\tPORT\tPID\tCOMMAND")
	for _, r := range recs {
		cmd := "-"
		if r.PID != 0 {
			cmd = commandOf(proc.ProcessInfo{Name: r.Name, Cmdline: r.Cmdline})
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", r.Protocol, r.Address, r.Port, r.PID, cmd)
	}
	return tw.Flush()
}
