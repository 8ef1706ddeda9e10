package sysprimstest

import "github.com/3leaps/sysprims-go/internal/proc"

// snapshotFields are gathered by every snapshot this package takes: the
// command line to name a process, the markers to attribute it.
const snapshotFields = proc.FieldCmdline | proc.FieldMarkers

// Snapshot returns every process on the machine, sorted by pid, with its
// command line and this library's markers.
func Snapshot() ([]ProcessInfo, error) {
	return proc.Snapshot(proc.Options{Fields: snapshotFields})
}

// Descendants returns the live descendants of pid found by parent links
// in one snapshot. A process that was reparented (a daemon, a setsid
// escapee whose parent exited) is no longer a descendant by this measure;
// [Process.Descendants] and [TreeProcesses] still find it.
func Descendants(pid int) ([]ProcessInfo, error) {
	snap, err := Snapshot()
	if err != nil {
		return nil, err
	}
	return alive(proc.Descendants(snap, pid)), nil
}

// TreeProcesses returns the live processes that carry the marker of the
// tree treeID (see [Process.TreeID]), wherever they are now.
func TreeProcesses(treeID string) ([]ProcessInfo, error) {
	snap, err := Snapshot()
	if err != nil {
		return nil, err
	}
	return alive(withMarker(snap, EnvTreeID, treeID)), nil
}

// withMarker keeps the processes whose marker key has value v.
func withMarker(ps []ProcessInfo, key, v string) []ProcessInfo {
	var out []ProcessInfo
	for _, p := range ps {
		if p.Markers[key] == v {
			out = append(out, p)
		}
	}
	return out
}

// alive drops zombies and dead tasks: they are gone, whoever reaps them.
func alive(ps []ProcessInfo) []ProcessInfo {
	out := ps[:0:0]
	for _, p := range ps {
		if !p.State.Gone() {
			out = append(out, p)
		}
	}
	return out
}
