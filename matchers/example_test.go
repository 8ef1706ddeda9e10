package matchers_test

import (
	"fmt"
	"os/exec"
	"strings"
	"syscall"

	"github.com/onsi/gomega"

	"github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// printFailures is a Gomega whose failures are printed, for the examples.
var printFailures = gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

func ExampleBeTreeKilled() {
	res := &sysprimstest.Result{ExitCode: 0, Reliability: process.BestEffort, Mechanism: process.MechanismProcessGroup,
		Survivors: []process.Info{{PID: 4242, PPID: 1, PGID: 4242, SID: 4242,
			State: process.StateSleeping, Cmdline: []string{"agentd", "--forever"}}}}
	printFailures.Expect(res).To(matchers.BeTreeKilled())
	// Output:
	// Expected
	//     <*sysprimstest.Result>: exit 0 after 0s (process_group, best_effort, 1 SURVIVED)
	// to have been torn down, but 1 process(es) survived:
	//     pid 4242 ppid 1 pgid 4242 sid 4242 [sleeping] agentd --forever
}

func ExampleHaveBeenKilledBy() {
	res := &sysprimstest.Result{ExitCode: 0, Reliability: process.Guaranteed, Mechanism: process.MechanismCgroupV2}
	printFailures.Expect(res).To(matchers.HaveBeenKilledBy(syscall.SIGKILL))
	// Output:
	// Expected
	//     <*sysprimstest.Result>: exit 0 after 0s (cgroup_v2, guaranteed)
	// to have been killed by SIGKILL, but it exited with code 0
}

// A process started through plain os/exec, not through sysprimstest, is
// a leak too: it descends from the test process.
func ExampleHaveLeakedProcesses() {
	firstLine := gomega.NewGomega(func(message string, _ ...int) {
		fmt.Println(strings.SplitN(message, "\n", 2)[0])
	})
	before, _ := sysprimstest.Snapshot()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()

	firstLine.Expect(sysprimstest.Snapshot()).NotTo(matchers.HaveLeakedProcesses(before))
	firstLine.Expect(sysprimstest.Snapshot()).NotTo(matchers.HaveLeakedProcesses(before, matchers.IgnoringName("sleep")))
	// Output:
	// Expected no processes to leak, but 1 did:
}
