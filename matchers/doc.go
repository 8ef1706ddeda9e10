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
// Outcome matchers ([HaveTimedOut], [HaveBeenKilledBy], [HaveExitCode],
// [HaveDescendants], [BeTreeKilled]) take a *sysprimstest.Process or a
// *sysprimstest.Result; their answer is final once the Process has a
// Result, so Eventually stops polling then. gexec.Exit and gbytes.Say work
// on a *sysprimstest.Process as well.
//
// Failure messages name each process on one line:
//
//	pid 4242 ppid 1 pgid 4100 sid 4242 [sleeping] sleep 300 (escaped via setsid; reparented to pid 1 (daemonized))
package matchers
