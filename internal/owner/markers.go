package owner

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/process"
)

// The environment markers the library sets, and the names of its helpers.
// Every name starts with [Prefix], so a snapshot can gather them all.
const (
	// Prefix starts every marker name; it is [proc.MarkerPrefix], the
	// prefix snapshots gather.
	Prefix = proc.MarkerPrefix
	// EnvRunID names the process (test binary, CLI) that started a tree.
	EnvRunID = Prefix + "RUN_ID"
	// EnvTreeID names one tree; it starts with the run id.
	EnvTreeID = Prefix + "TREE_ID"
	// EnvTest names the test that started a tree.
	EnvTest = Prefix + "TEST"
	// EnvShim is set on the subreaper helper of one tree.
	EnvShim = Prefix + "SHIM"
	// EnvGuardian is set on the helper that guards a cgroup run directory.
	EnvGuardian = Prefix + "GUARDIAN"
	// RunDirPrefix starts the name of every cgroup directory a run makes.
	RunDirPrefix = "sysprims-"
	// HelperDir starts the name of the directory the helper program is
	// built into (the user cache's HelperDir, or HelperDir-UID in the
	// temporary directory).
	HelperDir = "sysprims-go"
	// HelperExePrefix starts the file name of the helper program.
	HelperExePrefix = "helper-"
)

// HelperExe reports whether path names a helper program as it is built
// (HelperDir.../HelperExePrefix...).
func HelperExe(path string) bool {
	dir, file := filepath.Split(path)
	return strings.HasPrefix(file, HelperExePrefix) && strings.HasPrefix(filepath.Base(dir), HelperDir)
}

var (
	runOnce sync.Once
	runID   string
	treeSeq atomic.Uint64
)

// RunID returns the id this process puts in [EnvRunID]: minted once per
// process, so a marker inherited from a parent never equals it.
func RunID() string {
	runOnce.Do(func() {
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic(fmt.Sprintf("sysprims: no randomness for the run id: %v", err))
		}
		runID = hex.EncodeToString(b[:])
	})
	return runID
}

// NewTreeID returns a tree id unique within this run: "<run id>-<n>".
func NewTreeID() string { return fmt.Sprintf("%s-%d", RunID(), treeSeq.Add(1)) }

// OwnTree reports whether this process minted the tree id.
func OwnTree(id string) bool { return strings.HasPrefix(id, RunID()+"-") }

// Markers returns the environment entries of a tree this run starts; test
// may be empty (a tree started outside a test).
func Markers(treeID, test string) []string {
	env := []string{EnvRunID + "=" + RunID(), EnvTreeID + "=" + treeID}
	if test != "" {
		env = append(env, EnvTest+"="+test)
	}
	return env
}

// SetEnv returns env (KEY=VALUE entries) with every entry of set in
// place, replacing those of env with the same keys: markers given to a
// tree override ones it inherited from a wrapper.
func SetEnv(env, set []string) []string {
	keys := make(map[string]bool, len(set))
	for _, kv := range set {
		keys[envKey(kv)] = true
	}
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		if !keys[envKey(kv)] {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}

// LookupEnv returns the value of key in env (KEY=VALUE entries), the last
// one winning, or "".
func LookupEnv(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

func envKey(kv string) string {
	k, _, _ := strings.Cut(kv, "=")
	return k
}

// Minted reports whether p carries markers minted by this process.
func Minted(p process.Info) bool { return p.Markers[EnvRunID] == RunID() }

// TreeOf returns the tree id p carries when this process minted it, and ""
// otherwise (no marker, or one inherited from elsewhere).
func TreeOf(p process.Info) string {
	if id := p.Markers[EnvTreeID]; Minted(p) && OwnTree(id) {
		return id
	}
	return ""
}

// IsHelper reports whether p is a sysprims helper process (a subreaper
// shim or a cgroup guardian), of this run or another.
func IsHelper(p process.Info) bool {
	_, shim := p.Markers[EnvShim]
	_, guard := p.Markers[EnvGuardian]
	return shim || guard
}

// CarriesTree reports whether p carries tree id's marker ([EnvTreeID])
// and is not a helper ([IsHelper]), which carries the tree's markers
// without being part of it, whoever minted the marker: a copy of the
// marker counts. It only detects, for a report (the engine's look for
// what outlived a best_effort teardown); [InTree] is the membership rule.
func CarriesTree(p process.Info, id string) bool {
	return id != "" && p.Markers[EnvTreeID] == id && !IsHelper(p)
}

// InTree reports whether p is a member of tree id by its marker: it
// carries id ([CarriesTree]), minted by this process ([TreeOf]). A marker
// detects membership; it never makes a process ours to signal.
func InTree(p process.Info, id string) bool {
	return CarriesTree(p, id) && TreeOf(p) == id
}
