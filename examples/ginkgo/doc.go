// Package ginkgo is a runnable Ginkgo example suite: it starts a small
// HTTP server with two worker processes through sysprimstest on a port
// the kernel picks, waits for its socket and learns its address with
// matchers.ListenOn (Linux; elsewhere the specs are skipped), talks to
// it, tears it down and checks with the matchers package that nothing is
// left behind. It runs under `go test` and under parallel Ginkgo:
//
//	go test ./examples/ginkgo/
//	go run github.com/onsi/ginkgo/v2/ginkgo -p ./examples/...
//
// Files: _unix_test.go builds for every unix (its build line says so),
// _other_test.go for every other system, its build line the exact
// complement; the rest build everywhere.
package ginkgo
