package platform

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// envAdopt makes the test binary run adoptMain instead of the tests: it
// becomes a subreaper, which must not change the other tests' world.
const envAdopt = "SYSPRIMS_NAMED_ADOPT"

func init() {
	if os.Getenv(envAdopt) != "" {
		syscall.Exit(adoptMain())
	}
}

// adoptMain checks that a setsid daemon whose parent exits is adopted,
// and that ReapAdopted reaps it by pid once killed. It prints what went
// wrong, or "adopted and reaped".
func adoptMain() int {
	if err := AdoptOrphans(); err != nil {
		fmt.Println(err)
		return 1
	}
	out, err := exec.Command("sh", "-c", "setsid sleep 300 >/dev/null 2>&1 & echo $!").Output()
	pid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || pid <= 0 {
		fmt.Println("no daemon:", err)
		return 1
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	if !poll(func() bool { p, err := proc.Get(pid, proc.Options{}); return err == nil && p.PPID == os.Getpid() }) {
		fmt.Println("the daemon was not adopted")
		return 1
	}
	if ReapAdopted(pid) {
		fmt.Println("reaped a live process")
		return 1
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if !poll(func() bool { return ReapAdopted(pid) }) {
		fmt.Println("the killed daemon was not reaped")
		return 1
	}
	if _, err := proc.Get(pid, proc.Options{}); err == nil {
		fmt.Println("the daemon is still in the process table")
		return 1
	}
	fmt.Println("adopted and reaped")
	return 0
}

// poll calls ok until it reports true, for at most 5 s (scaled).
func poll(ok func() bool) bool { return waittest.Until(5*time.Second, ok) }

func TestAdoptOrphans(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envAdopt+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "adopted and reaped" {
		t.Errorf("%v: %s", err, out)
	}
	if ReapAdopted(os.Getpid()) || ReapAdopted(1) {
		t.Error("ReapAdopted reaped a process that is not a zombie child")
	}
}
