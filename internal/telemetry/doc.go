// Package telemetry is the one home of the structured events the library
// emits through log/slog — their names, levels and attribute keys — and
// of [Emit], which every layer calls where an event happens (platform:
// a fallback; timeout: a tree started, a signal sent, an escalation, a
// member that escaped; sysprimstest: a leak found). sysprimstest
// re-exports the names and documents them for users; a nil logger emits
// nothing and costs nothing.
//
// [Recorder] is a handler that keeps what it is given, for tests.
package telemetry
