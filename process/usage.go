package process

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// UsageSource says where a figure of a [Usage] was measured. The empty
// source, [Unmeasured], means the container could not measure it: the
// figure is then zero and means nothing.
type UsageSource string

// The sources, most complete first.
const (
	// Unmeasured: the container had no way to measure the figure.
	Unmeasured UsageSource = ""
	// UsageCgroup is the tree's own cgroup v2 leaf: cpu.stat (always),
	// memory.peak and pids.peak (where the memory and pids controllers
	// are enabled for it). Every member, whenever it ran.
	UsageCgroup UsageSource = "cgroup_v2"
	// UsageJobObject is the Windows Job Object's accounting
	// (JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, and PeakJobMemoryUsed of
	// JOBOBJECT_EXTENDED_LIMIT_INFORMATION: committed memory, not RSS).
	// Every member.
	UsageJobObject UsageSource = "job_object"
	// UsageReaped is getrusage(RUSAGE_CHILDREN) of the subreaper shim:
	// every member once it has been reaped (by the shim, or by a member
	// the shim reaped later). A member whose parent ignored SIGCHLD is
	// reaped by the kernel and missed. Its memory figure is one member's
	// peak RSS, the largest.
	UsageReaped UsageSource = "rusage_children"
	// UsageRoot is the root's own rusage, as wait4 gave it: the root and
	// the descendants it waited for itself; an orphan it left behind is
	// missed. The process group fallback has nothing better, and the
	// cgroup leaf uses it for memory where memory.peak is missing.
	UsageRoot UsageSource = "root_rusage"
)

// MemoryScope says whose peak a [Usage.PeakMemory] is.
type MemoryScope string

// The memory scopes.
const (
	// MemoryTree is the peak of the whole tree at once (memory.peak, a
	// Job Object's peak).
	MemoryTree MemoryScope = "tree"
	// MemoryLargestMember is the peak resident set of the one member that
	// had the largest (rusage ru_maxrss): a lower bound of the tree's.
	MemoryLargestMember MemoryScope = "largest_member"
	// MemoryLargestWaited is the largest peak resident set among the
	// root and the descendants it waited for itself (the root's
	// ru_maxrss from wait4): a member orphaned by the root is missed, so
	// it is a lower bound of MemoryLargestMember's figure as well.
	MemoryLargestWaited MemoryScope = "largest_waited_member"
)

// Usage is what a process tree used, as far as its container could tell
// (see [UsageSource] for what each source counts). Every figure has a
// source; a figure whose source is [Unmeasured] is zero and must not be
// read as "used nothing": [Usage.Unmeasured] names those. The figures are
// final once the tree has been torn down.
type Usage struct {
	// UserCPU and SystemCPU are the CPU time the tree spent in user and
	// kernel mode, measured by CPUSource.
	UserCPU, SystemCPU time.Duration
	CPUSource          UsageSource
	// PeakMemory is the peak memory in bytes, measured by
	// PeakMemorySource; PeakMemoryScope says whether it is the tree's,
	// its largest member's, or the largest among the members the root
	// waited for.
	PeakMemory       uint64
	PeakMemorySource UsageSource
	PeakMemoryScope  MemoryScope
	// PeakProcesses is the most members alive at once, measured by
	// PeakProcessesSource. The one source, a cgroup's pids.peak, counts
	// tasks: each thread of a member counts (a Go program has several).
	PeakProcesses       int
	PeakProcessesSource UsageSource
}

// The names of the figures in [Usage.Unmeasured] and in JSON.
const (
	UsageCPU           = "cpu"
	UsagePeakMemory    = "peak_memory"
	UsagePeakProcesses = "peak_processes"
)

// CPU returns the tree's total CPU time, user plus system.
func (u Usage) CPU() time.Duration { return u.UserCPU + u.SystemCPU }

// Unmeasured lists the figures that were not measured, by their JSON
// names ([UsageCPU], [UsagePeakMemory], [UsagePeakProcesses]); never nil.
func (u Usage) Unmeasured() []string {
	out := []string{}
	for _, f := range []struct {
		name string
		src  UsageSource
	}{{UsageCPU, u.CPUSource}, {UsagePeakMemory, u.PeakMemorySource}, {UsagePeakProcesses, u.PeakProcessesSource}} {
		if f.src == Unmeasured {
			out = append(out, f.name)
		}
	}
	return out
}

// String formats u on one line for people, saying where each figure
// came from: "cpu 312ms (user 300ms, system 12ms; cgroup_v2), peak memory
// 70.2 MiB (largest member; root_rusage), peak processes unmeasured".
func (u Usage) String() string {
	parts := []string{"cpu unmeasured", "peak memory unmeasured", "peak processes unmeasured"}
	if u.CPUSource != Unmeasured {
		parts[0] = fmt.Sprintf("cpu %v (user %v, system %v; %s)", u.CPU(), u.UserCPU, u.SystemCPU, u.CPUSource)
	}
	if u.PeakMemorySource != Unmeasured {
		parts[1] = fmt.Sprintf("peak memory %s (%s; %s)", mib(u.PeakMemory), strings.ReplaceAll(string(u.PeakMemoryScope), "_", " "), u.PeakMemorySource)
	}
	if u.PeakProcessesSource != Unmeasured {
		parts[2] = fmt.Sprintf("peak processes %d (%s)", u.PeakProcesses, u.PeakProcessesSource)
	}
	return strings.Join(parts, ", ")
}

// mib formats a byte count in mebibytes with one decimal: "64.0 MiB".
func mib(bytes uint64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }

// usageJSON is the JSON form of a Usage: one object per measured figure,
// absent when unmeasured, and the list of unmeasured figures.
type usageJSON struct {
	CPU           *cpuJSON       `json:"cpu,omitempty"`
	PeakMemory    *memoryJSON    `json:"peak_memory,omitempty"`
	PeakProcesses *processesJSON `json:"peak_processes,omitempty"`
	Unmeasured    []string       `json:"unmeasured"`
}

type cpuJSON struct {
	UserUs   int64       `json:"user_us"`
	SystemUs int64       `json:"system_us"`
	Source   UsageSource `json:"source"`
}

type memoryJSON struct {
	Bytes  uint64      `json:"bytes"`
	Scope  MemoryScope `json:"scope"`
	Source UsageSource `json:"source"`
}

type processesJSON struct {
	Count  int         `json:"count"`
	Source UsageSource `json:"source"`
}

// MarshalJSON writes u as the usage object of the timeout-result schema:
// "cpu", "peak_memory" and "peak_processes" objects, each with its
// source, present only when measured, and "unmeasured" naming the rest.
func (u Usage) MarshalJSON() ([]byte, error) {
	j := usageJSON{Unmeasured: u.Unmeasured()}
	if u.CPUSource != Unmeasured {
		j.CPU = &cpuJSON{u.UserCPU.Microseconds(), u.SystemCPU.Microseconds(), u.CPUSource}
	}
	if u.PeakMemorySource != Unmeasured {
		j.PeakMemory = &memoryJSON{u.PeakMemory, u.PeakMemoryScope, u.PeakMemorySource}
	}
	if u.PeakProcessesSource != Unmeasured {
		j.PeakProcesses = &processesJSON{u.PeakProcesses, u.PeakProcessesSource}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the form [Usage.MarshalJSON] writes. A figure with
// no source is unmeasured and reads as zero; a negative figure, or a CPU
// time that does not fit a time.Duration, is an error.
func (u *Usage) UnmarshalJSON(b []byte) error {
	var j usageJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*u = Usage{}
	if c := j.CPU; c != nil && c.Source != Unmeasured {
		if !fitsMicros(c.UserUs) || !fitsMicros(c.SystemUs) {
			return fmt.Errorf("sysprims: usage: cpu user_us %d, system_us %d: out of range", c.UserUs, c.SystemUs)
		}
		u.UserCPU, u.SystemCPU, u.CPUSource = time.Duration(c.UserUs)*time.Microsecond, time.Duration(c.SystemUs)*time.Microsecond, c.Source
	}
	if m := j.PeakMemory; m != nil && m.Source != Unmeasured {
		u.PeakMemory, u.PeakMemoryScope, u.PeakMemorySource = m.Bytes, m.Scope, m.Source
	}
	if p := j.PeakProcesses; p != nil && p.Source != Unmeasured {
		if p.Count < 0 {
			return fmt.Errorf("sysprims: usage: peak_processes count %d: negative", p.Count)
		}
		u.PeakProcesses, u.PeakProcessesSource = p.Count, p.Source
	}
	return nil
}

// fitsMicros reports whether us microseconds are a non-negative
// time.Duration.
func fitsMicros(us int64) bool { return us >= 0 && us <= math.MaxInt64/int64(time.Microsecond) }
