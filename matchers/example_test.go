package matchers_test

import (
	"fmt"
	"syscall"

	"github.com/onsi/gomega"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// printFailures is a Gomega whose failures are printed, for the examples.
var printFailures = gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

func ExampleBeTreeKilled() {
	res := &sysprimstest.Result{ExitCode: 0, Reliability: "best_effort", Mechanism: "process_group",
		Survivors: []sysprimstest.ProcessInfo{{PID: 4242, PPID: 1, PGID: 4242, SID: 4242,
			State: proc.StateSleeping, Cmdline: []string{"agentd", "--forever"}}}}
	printFailures.Expect(res).To(matchers.BeTreeKilled())
	// Output:
	// Expected
	//     <*sysprimstest.Result>: exit 0 after 0s (process_group, best_effort, 1 SURVIVED)
	// to have been torn down, but 1 process(es) survived:
	//     pid 4242 ppid 1 pgid 4242 sid 4242 [sleeping] agentd --forever
}

func ExampleHaveBeenKilledBy() {
	res := &sysprimstest.Result{ExitCode: 0, Reliability: "guaranteed", Mechanism: "cgroup_v2"}
	printFailures.Expect(res).To(matchers.HaveBeenKilledBy(syscall.SIGKILL))
	// Output:
	// Expected
	//     <*sysprimstest.Result>: exit 0 after 0s (cgroup_v2, guaranteed)
	// to have been killed by SIGKILL, but it exited with code 0
}

func ExampleHaveLeakedProcesses() {
	worker := sysprimstest.ProcessInfo{PID: 4300, PPID: 1, PGID: 4300, SID: 4300, State: proc.StateSleeping,
		StartTimeUnixMs: 1700000000000, Cmdline: []string{"worker"},
		Markers: map[string]string{sysprimstest.EnvRunID: sysprimstest.RunID(), sysprimstest.EnvTest: "TestServer"}}
	before := []sysprimstest.ProcessInfo{}
	after := []sysprimstest.ProcessInfo{worker}
	printFailures.Expect(after).NotTo(matchers.HaveLeakedProcesses(before))
	printFailures.Expect(after).NotTo(matchers.HaveLeakedProcesses(before, matchers.IgnoringName("worker")))
	// Output:
	// Expected no processes to leak, but 1 did:
	//     pid 4300 ppid 1 pgid 4300 sid 4300 [sleeping] worker (started by TestServer)
}
