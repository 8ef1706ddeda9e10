// Sysprims-compare runs adversarial process trees under the usual ways Go code
// runs and kills commands, and under sysprims-go, and prints how many
// processes each one left behind.
//
//	go run ./cmd/sysprims-compare            # the matrix, then the benchmarks
//	go run ./cmd/sysprims-compare -json      # the same, as one JSON document
//	go run ./cmd/sysprims-compare -scenarios setsid,daemon -runners context,run
//
// The -json document carries a schema_id and follows
// schemas/compare-report.schema.json.
//
// Every scenario from the fixtures package (a grandchild, a fan-out of
// 50, setsid and setpgid escapes, a classic daemon, a parent that exits at
// once, a tree that ignores SIGTERM, stopped children, a grandchild holding
// stdout, zombies, a fork storm, a daemon that drops its environment) is
// started under each runner:
//
//   - exec.CommandContext with a context deadline, stock Cancel and WaitDelay;
//   - Setpgid, then kill(-pgid, SIGTERM), and SIGKILL after the grace;
//   - gomega gexec: Start, Kill, wait for Exited;
//   - GNU coreutils timeout -k GRACE TIMEOUT;
//   - sysprimstest.Run with the same deadline and grace;
//   - sysprimstest.Start, torn down by the test's cleanup.
//
// The tree reports every process to a loopback listener when it is in
// place. After the runner returns, the harness counts the survivors with
// its own scan of /proc (the reported identities and every process carrying
// the trial's environment variable; zombies are dead), then kills each one
// by pid so nothing outlives the program, whatever the runner did. A runner
// that has not returned within the deadline plus the grace plus -hang is
// reported as hung and abandoned until the cleanup frees it.
//
// The benchmarks time a process-table snapshot (sysprims-go against a bare
// readdir + read of /proc/PID/stat), the overhead of sysprimstest.Run over
// a raw exec.Cmd for /bin/true, and the teardown of a 100-process tree that
// honours SIGTERM and one that ignores it.
//
// Linux only: the peers it compares are POSIX process-group tools, and the
// harness counts survivors through /proc.
//
// Files: _linux.go builds for Linux alone (the name says it);
// compare_other.go, its build line the exact complement, only says that
// the comparison needs Linux; the rest build everywhere.
package main
