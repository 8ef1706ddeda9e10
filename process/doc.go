// Package process is the process model of sysprims-go: what a snapshot
// says about one process ([Info], [State], [Identity]) and what a tree
// container can promise ([Mechanism], [Reliability]) and what a tree
// used ([Usage], each figure with its [UsageSource]).
//
// It holds types only; gathering lives in the library's internal
// packages and judging in sysprimstest, matchers and the leak-check
// command. The JSON names follow the sysprims process-info and
// timeout-result schemas (schemas/ in this module).
package process
