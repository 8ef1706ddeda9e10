// Package sysprimstest makes process trees safe in tests.
//
// Every command started through [Run] or [Start] runs in a container of its
// own (a cgroup v2 leaf or a subreaper shim on Linux, a Job Object on
// Windows, a process group elsewhere) and carries environment markers that
// name the test that started it. When the test ends the whole tree is torn
// down (SIGTERM, then SIGKILL after a grace period) and checked: anything
// still alive fails the test, one line per process.
//
//	func TestBuild(t *testing.T) {
//		res := sysprimstest.Run(t, 5*time.Second, exec.Command("./build.sh"))
//		if res.ExitCode != 0 {
//			t.Fatal(res)
//		}
//	}
//
// [VerifyNoLeaks] and [VerifyTestMain] find processes that outlived a test
// or a test binary, however they were started: those that carry markers
// this binary minted, and those that descend from the test process. On
// Linux they make the test process a child subreaper, so a daemon started
// through plain os/exec (setsid, a double fork, a wiped environment) stays
// a descendant; elsewhere it is found by its markers only (best effort).
//
// Ownership. A process is signalled only when it is provably this
// binary's: a member of a container it created (the container kills it),
// a descendant of the test process by parent links (re-checked by
// identity), or a pid the test named ([Signal], [TerminateTree]). Markers
// detect and name, and only markers this binary minted count: one
// inherited from a wrapper such as sysprims-leakcheck run names another
// run. The test process, its parent and ancestors, its pipeline partners,
// sysprims helpers and other runs' containers are never signalled. A
// test's [VerifyNoLeaks] names but leaves running a descendant without
// markers (in parallel tests it may be another test's); [VerifyTestMain]
// removes it at the end of the binary and reaps adopted zombies by pid
// once the tests have returned (never wait4(-1): that would steal
// os/exec's statuses).
//
// What is guaranteed depends on the platform and is reported on every
// [Result] as Reliability: [process.Guaranteed] with a cgroup v2 leaf, the
// subreaper shim or a Job Object; [process.BestEffort] with a process
// group alone (macOS, or Linux when nothing stronger is available), where
// a process that calls setsid and whose parent exits can escape.
// Processes are described by [process.Info], the model this package,
// the matchers and the leak-check command share. What a whole tree used
// (CPU time, peak memory, the most processes alive at once) is
// Result.Usage, a [process.Usage] in which every figure names its source
// and those this machine could not measure are named, not zero.
//
// One name, one meaning. Signal, for a [Process] or a pid, reaches one
// process (a Process's root, as with os/exec and gexec); SignalTree and
// [Process.Stop] reach the whole tree, [TerminateTree] a named pid and its
// descendants. Descendants never include the root ([Descendants],
// matchers.HaveDescendants); [Process.Members] is the tree with its root.
// How the root ended is read exactly through [Process.ExitStatus] and
// [Result]; [Process.ExitCode] is gexec's reading (128+n for signal n),
// so gexec.Exit works on a Process, as do gbytes.Say (through
// [Process.Buffer]) and gexec's Kill, Terminate, Interrupt and Exited.
//
// Beyond the tree itself: [Process.Listeners] lists the sockets a tree
// listens on (so a server started on port 0 is reached without parsing
// its log; Linux), [WithDescriptors] makes the leak checks report file
// descriptors a test left open (Linux), and [WithLogger] or [SetLogger]
// send structured log/slog events of what the harness did (the Event
// constants).
//
// Options are checked where they are used: a nil Option, a bad value or
// a contradiction is an error wrapping [ErrInvalidOption], and nothing
// is started.
package sysprimstest

// Files: _linux.go builds for Linux alone (the name says it); _unix.go
// for every unix (its build line says so); _other.go for every system
// the concern's other files leave out, its build line their exact
// complement (listeners_other_test.go is every system but Linux).
