package timeout

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/waittest"
)

// deniedMode is the helper mode that runs TerminateAll, as an
// unprivileged user, on the process named by deniedTargetEnv ("PID
// START_MS") and prints what it reported as JSON.
const (
	deniedMode      = "terminate-denied"
	deniedTargetEnv = "SYSPRIMS_ENGINE_DENIED_TARGET"
	deniedUID       = 1001 // the user sysprims of the CI image
	deniedGrace     = 30 * time.Second
)

// deniedResult is what the helper mode prints.
type deniedResult struct {
	Denied    []int `json:"denied"`
	Survivors []int `json:"survivors"`
	Signalled int   `json:"signalled"`
	ElapsedMs int64 `json:"elapsed_ms"`
}

// deniedMain is the helper mode: TerminateAll on the target with a long
// grace, timed.
func deniedMain() {
	var id proc.Identity
	if _, err := fmt.Sscan(os.Getenv(deniedTargetEnv), &id.PID, &id.StartTimeUnixMs); err != nil {
		fmt.Println("error:", err)
		return
	}
	begin := time.Now()
	rep := TerminateAll([]proc.Identity{id}, syscall.SIGTERM, waittest.Scale(deniedGrace), nil)
	res := deniedResult{Signalled: rep.Signalled, ElapsedMs: time.Since(begin).Milliseconds()}
	for _, p := range rep.Denied {
		res.Denied = append(res.Denied, p.PID)
	}
	for _, p := range rep.Survivors {
		res.Survivors = append(res.Survivors, p.PID)
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

// TestTerminateAllDeniedIsNoSurvivor: as an unprivileged user, TerminateAll
// of root's process gets EPERM. It must say so at once (Denied), not wait
// out the grace, not send SIGKILL and not call the process a survivor of
// SIGKILL, as it did.
func TestTerminateAllDeniedIsNoSurvivor(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test runs TerminateAll as uid 1001 against root's process")
	}
	target := startReady(t, "echo ready; exec sleep 300")
	exe := unprivilegedCopy(t)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = []string{helperEnv + "=" + deniedMode, deniedTargetEnv + "=" + strconv.Itoa(target.PID) + " " + strconv.FormatInt(target.StartTimeUnixMs, 10),
		"PATH=/usr/bin:/bin", waittest.ScaleEnv + "=" + strconv.Itoa(waittest.Factor())}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: deniedUID, Gid: deniedUID}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper as uid %d: %v; %s", deniedUID, err, out)
	}
	var res deniedResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("helper said %q: %v", out, err)
	}
	if len(res.Denied) != 1 || res.Denied[0] != target.PID || len(res.Survivors) > 0 || res.Signalled != 0 {
		t.Errorf("report %+v, want pid %d denied and no survivor", res, target.PID)
	}
	if max := waittest.Scale(deniedGrace).Milliseconds() / 2; res.ElapsedMs >= max {
		t.Errorf("TerminateAll took %d ms, want well under the grace: a denied process is not waited on", res.ElapsedMs)
	}
	if _, ok := lookup(target, 0); !ok {
		t.Error("root's process died; uid 1001 cannot have killed it")
	}
}

// unprivilegedCopy copies the test binary where uid 1001 may run it (go
// test's build directory is root's alone) and returns its path.
func unprivilegedCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; strings.HasPrefix(d, os.TempDir()+"/"); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	exe := filepath.Join(dir, "timeout.test")
	dst, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return exe
}
