package proc

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/3leaps/sysprims-go/process"
)

// FilterSchemaID identifies the JSON form of [Filter].
const FilterSchemaID = "https://schemas.3leaps.dev/sysprims-go/process/v1.0.0/process-filter.schema.json"

// Filter selects processes with the sysprims process-filter fields. Every
// field that is set must match; the zero Filter matches every process.
// Name comparisons are case-sensitive.
type Filter struct {
	NameContains          string   `json:"name_contains,omitempty"`
	NameEquals            string   `json:"name_equals,omitempty"`
	UserEquals            string   `json:"user_equals,omitempty"`
	PIDIn                 []int    `json:"pid_in,omitempty"`
	PPID                  *int     `json:"ppid,omitempty"`
	StateIn               []State  `json:"state_in,omitempty"`
	CPUAbove              *float64 `json:"cpu_above,omitempty"`
	MemoryAboveKB         *uint64  `json:"memory_above_kb,omitempty"`
	RunningForAtLeastSecs *uint64  `json:"running_for_at_least_secs,omitempty"`
}

// ErrInvalidFilter is the sentinel every [FilterError] unwraps to.
var ErrInvalidFilter = errors.New("sysprims: invalid filter")

// FilterError reports a filter key or value that [ParseFilter] or
// [ParseFilterJSON] rejected.
type FilterError struct {
	Key    string // the filter key, "" when the argument has none
	Reason string // what is wrong, e.g. `bad pid "x"`
}

// Error formats e as "sysprims: filter: key: reason".
func (e *FilterError) Error() string {
	if e.Key == "" {
		return "sysprims: filter: " + e.Reason
	}
	return "sysprims: filter: " + e.Key + ": " + e.Reason
}

// Unwrap returns [ErrInvalidFilter].
func (e *FilterError) Unwrap() error { return ErrInvalidFilter }

// filterKeys maps each key of the filter to the parser of its value.
var filterKeys = map[string]func(*Filter, string) error{
	"name_contains":             func(f *Filter, v string) error { f.NameContains = v; return nonEmpty(v) },
	"name_equals":               func(f *Filter, v string) error { f.NameEquals = v; return nonEmpty(v) },
	"user_equals":               func(f *Filter, v string) error { f.UserEquals = v; return nonEmpty(v) },
	"pid_in":                    func(f *Filter, v string) (err error) { f.PIDIn, err = parsePIDList(v); return err },
	"ppid":                      func(f *Filter, v string) (err error) { f.PPID, err = parsePPID(v); return err },
	"state_in":                  func(f *Filter, v string) (err error) { f.StateIn, err = parseStates(v); return err },
	"cpu_above":                 func(f *Filter, v string) (err error) { f.CPUAbove, err = parsePercent(v); return err },
	"memory_above_kb":           func(f *Filter, v string) (err error) { f.MemoryAboveKB, err = parseCount(v); return err },
	"running_for_at_least_secs": func(f *Filter, v string) (err error) { f.RunningForAtLeastSecs, err = parseCount(v); return err },
}

// FilterKeys returns the keys [ParseFilter] accepts, sorted.
func FilterKeys() []string {
	keys := make([]string, 0, len(filterKeys))
	for k := range filterKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ParseFilter builds a Filter from "key=value" arguments such as
// "name_contains=sleep", "pid_in=12,34" or "state_in=running,zombie".
// Unknown keys, repeated keys and bad values are errors wrapping
// [ErrInvalidFilter].
func ParseFilter(kv []string) (Filter, error) {
	var f Filter
	seen := make(map[string]bool, len(kv))
	for _, arg := range kv {
		key, val, ok := strings.Cut(arg, "=")
		if !ok {
			return Filter{}, &FilterError{Reason: fmt.Sprintf("%q is not key=value", arg)}
		}
		if err := f.set(key, val, seen); err != nil {
			return Filter{}, err
		}
	}
	return f, nil
}

// set parses one key's value into f.
func (f *Filter) set(key, val string, seen map[string]bool) error {
	parse, ok := filterKeys[key]
	if !ok {
		return &FilterError{Reason: fmt.Sprintf("unknown key %q", key)}
	}
	if seen[key] {
		return &FilterError{Key: key, Reason: "given twice"}
	}
	seen[key] = true
	if err := parse(f, val); err != nil {
		return &FilterError{Key: key, Reason: err.Error()}
	}
	return nil
}

func nonEmpty(v string) error {
	if v == "" {
		return errors.New("empty value")
	}
	return nil
}

// parsePIDList parses "12,34".
func parsePIDList(v string) ([]int, error) {
	var pids []int
	for s := range strings.SplitSeq(v, ",") {
		pid, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || !validPID(pid) {
			return nil, fmt.Errorf("bad pid %q", s)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// validPID reports whether pid is in the range of the filter schema's
// pids, 1..2^32-1.
func validPID(pid int) bool { return pid >= 1 && uint64(pid) <= math.MaxUint32 }

// parsePPID parses a parent pid; 0 is the kernel's own parent.
func parsePPID(v string) (*int, error) {
	pid, err := strconv.Atoi(v)
	if err != nil || pid != 0 && !validPID(pid) {
		return nil, fmt.Errorf("bad pid %q", v)
	}
	return &pid, nil
}

// parseStates parses "running,zombie".
func parseStates(v string) ([]State, error) {
	var states []State
	for s := range strings.SplitSeq(v, ",") {
		st := State(strings.TrimSpace(s))
		if !st.Valid() {
			return nil, fmt.Errorf("unknown state %q (want one of %s)", s, strings.Join(stateNames(), ", "))
		}
		states = append(states, st)
	}
	return states, nil
}

// parsePercent parses a CPU percentage, 0..100.
func parsePercent(v string) (*float64, error) {
	pct, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(pct) || pct < 0 || pct > 100 {
		return nil, fmt.Errorf("bad percent %q (want 0..100)", v)
	}
	return &pct, nil
}

// parseCount parses a non-negative integer.
func parseCount(v string) (*uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("bad number %q", v)
	}
	return &n, nil
}

func stateNames() []string {
	all := process.States()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = string(s)
	}
	return names
}

// Fields returns the extra fields a snapshot must gather for f to judge
// its processes: [FieldUser] for user_equals, [FieldCPU] for cpu_above.
func (f Filter) Fields() Field {
	var need Field
	if f.UserEquals != "" {
		need |= FieldUser
	}
	if f.CPUAbove != nil {
		need |= FieldCPU
	}
	return need
}

// Match reports whether p passes every criterion of f, judging
// running_for_at_least_secs against the current time.
func (f Filter) Match(p ProcessInfo) bool { return f.MatchAt(p, time.Now()) }

// MatchAt is [Filter.Match] with the current time given.
func (f Filter) MatchAt(p ProcessInfo, now time.Time) bool {
	return f.matchNames(p) && f.matchIDs(p) && f.matchUsage(p, now)
}

func (f Filter) matchNames(p ProcessInfo) bool {
	return (f.NameContains == "" || strings.Contains(p.Name, f.NameContains)) &&
		(f.NameEquals == "" || p.Name == f.NameEquals) &&
		(f.UserEquals == "" || p.User == f.UserEquals)
}

func (f Filter) matchIDs(p ProcessInfo) bool {
	return (f.PIDIn == nil || slices.Contains(f.PIDIn, p.PID)) &&
		(f.PPID == nil || p.PPID == *f.PPID) &&
		(f.StateIn == nil || slices.Contains(f.StateIn, p.State))
}

func (f Filter) matchUsage(p ProcessInfo, now time.Time) bool {
	if f.CPUAbove != nil && !(p.CPUPercent > *f.CPUAbove) {
		return false
	}
	if f.MemoryAboveKB != nil && !(p.MemoryKB > *f.MemoryAboveKB) {
		return false
	}
	if f.RunningForAtLeastSecs != nil {
		ranMs := now.UnixMilli() - p.StartTimeUnixMs
		return ranMs >= 0 && uint64(ranMs) >= *f.RunningForAtLeastSecs*1000
	}
	return true
}

// Apply returns the processes of snap that f matches, in order.
func (f Filter) Apply(snap []ProcessInfo) []ProcessInfo {
	now := time.Now()
	var out []ProcessInfo
	for _, p := range snap {
		if f.MatchAt(p, now) {
			out = append(out, p)
		}
	}
	return out
}
