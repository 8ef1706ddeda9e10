package timeout

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/internal/telemetry"
)

// TestEventsOfAMigrant: a member that moved itself out of its cgroup leaf
// is reported as escaped, and as not killed (nothing but its marker says
// it is the tree's).
func TestEventsOfAMigrant(t *testing.T) {
	dir := migrantDir(t)
	cmd := exec.Command("sh", "-c", `sh -c 'echo $$ > "$MIG/cgroup.procs" && echo $$ && exec sleep 300' & wait`)
	cmd.Env = append(os.Environ(), "MIG="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var rec telemetry.Recorder
	tr, err := Start(cmd, Config{Mechanism: platform.MechanismCgroup, Require: true, Grace: 5 * time.Second, Logger: rec.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Stop() })
	pid := readPid(t, bufio.NewReader(out))
	tr.Stop()
	evs := rec.Events(telemetry.MemberEscaped)
	if len(evs) != 1 || !strings.HasPrefix(evs[0].Attrs["member"], "pid "+strconv.Itoa(pid)+" ") ||
		evs[0].Attrs["killed"] != "false" || !strings.Contains(evs[0].Attrs["escape"], "left the cgroup_v2 container") {
		t.Errorf("member_escaped events %+v, want one for %d, not killed", evs, pid)
	}
}
