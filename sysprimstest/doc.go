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
// or a test binary, however they were started, as long as they carry this
// library's markers or descend from the test process.
//
// What is guaranteed depends on the platform and is reported on every
// [Result] as Reliability: "guaranteed" with a cgroup v2 leaf, the
// subreaper shim or a Job Object; "best_effort" with a process group alone
// (macOS, or Linux when nothing stronger is available), where a process
// that calls setsid and whose parent exits can escape.
package sysprimstest
