// Package plain is a runnable example of sysprimstest in a plain
// `go test` package, without Ginkgo: [sysprimstest.Run] for a command
// that should finish, [sysprimstest.Start] for a server the test talks
// to, and [sysprimstest.VerifyTestMain] in TestMain so that nothing the
// package started outlives it. The helper programs are the built-in
// fixtures, run by re-executing the test binary.
package plain
