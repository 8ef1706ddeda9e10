package sysprimstest_test

import (
	"fmt"
	"os/exec"
	"time"

	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// What a tree used comes with the Result: each figure says where it was
// measured (a cgroup leaf, the subreaper shim, the root's rusage, a Job
// Object), and Unmeasured names what this machine could not measure.
func ExampleResult_usage() {
	t := sysprimstest.NewRecorder("TestBusy")
	defer t.Close()

	// The inner shell counts, burning CPU time in a grandchild.
	busy := `sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'`
	res := sysprimstest.Run(t, 30*time.Second, exec.Command("sh", "-c", busy))
	u := res.Usage
	fmt.Println("cpu measured:", u.CPUSource != process.Unmeasured, "and above zero:", u.CPU() > 0)
	fmt.Println("peak memory measured:", u.PeakMemorySource != process.Unmeasured, "and above 1 MiB:", u.PeakMemory > 1<<20)
	// Output:
	// cpu measured: true and above zero: true
	// peak memory measured: true and above 1 MiB: true
}
