// Package proctest holds what the snapshot benchmarks of this module and
// of the peer-comparison module share: a population of idle processes that
// brings the machine to a given process count, the floor every /proc
// snapshot is measured against (bare, or parsing the default fields), and
// paired timings that stay meaningful on a busy machine. It imports
// nothing from this module, so the proc package's own tests can use it.
//
// Files: Linux only; every file but this one ends in _linux.go, which
// builds for Linux alone (the name says it).
package proctest
