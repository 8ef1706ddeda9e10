// Package matchers provides Gomega matchers that judge process trees
// started through [sysprimstest] and snapshots taken with
// [sysprimstest.Snapshot].
//
// The matchers gather nothing on their own beyond one snapshot per match:
// polling belongs to Eventually.
//
//	p := sysprimstest.Start(GinkgoT(), exec.Command("./agent"))
//	Eventually(p).Should(gbytes.Say("ready"))
//	Expect(p).To(HaveDescendants(HaveLen(2)))
//	p.Stop()
//	Expect(p).To(BeTreeKilled())
//	Expect(p).To(HaveNoOrphanDescendants())
//
//	before, _ := sysprimstest.Snapshot()
//	// ... start and stop things ...
//	Eventually(sysprimstest.Snapshot).ShouldNot(HaveLeakedProcesses(before))
//
// [ListenOn] waits for a tree to listen on a socket and hands over its
// address, for servers started on port 0.
//
// Outcome matchers ([HaveTimedOut], [HaveBeenKilledBy], [HaveExitCode],
// [HaveDescendants], [BeTreeKilled]) take a *sysprimstest.Process or a
// *sysprimstest.Result; their answer is final once the Process has a
// Result, so Eventually stops polling then. gexec.Exit and gbytes.Say work
// on a *sysprimstest.Process as well.
//
// Failure messages name each process on one line, in the words every
// report of this library uses:
//
//	pid 4242 ppid 1 pgid 4100 sid 4242 [sleeping] sleep 300 (started by TestAgent) (escaped via setsid, reparented to pid 1 (daemonized))
//
// Membership is decided as in [sysprimstest]: only markers minted by this
// test binary count (one inherited from a wrapper such as
// sysprims-leakcheck run names another run's tree), and the matchers
// read command lines and markers themselves, for the few processes they
// judge, so a cheap [sysprimstest.Snapshot] is all they need. They never
// signal anything.
package matchers

// Files: _linux.go builds for Linux alone (the name says it); the rest
// build everywhere.
