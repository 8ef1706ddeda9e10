package platform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCgroupFiles(t *testing.T) {
	dir := t.TempDir()
	mi := filepath.Join(dir, "mountinfo")
	os.WriteFile(mi, []byte(strings.Join([]string{
		"22 1 0:20 / /sys rw - sysfs sysfs rw",
		"41 31 0:38 / /sys/fs/cgroup/uni\\040fied rw,relatime - cgroup2 cgroup2 rw",
	}, "\n")), 0o644)
	if got := cgroupMount(mi); got != "/sys/fs/cgroup/uni fied" {
		t.Errorf("mount %q", got)
	}
	if got := cgroupMount(filepath.Join(dir, "none")); got != "" {
		t.Errorf("missing file gave %q", got)
	}
	cg := filepath.Join(dir, "cgroup")
	os.WriteFile(cg, []byte("4:memory:/x\n0::/user.slice/a\n"), 0o644)
	if got := ownCgroup(cg); got != "/user.slice/a" {
		t.Errorf("own %q", got)
	}
	if got := leafTag("run/1 Test:x"); got != "-run1Testx" {
		t.Errorf("leafTag %q", got)
	}
}

func TestProbeReportsThisMachine(t *testing.T) {
	c := Probe()
	if c.OS != "linux" || !c.Has(MechanismProcessGroup) || !c.Pidfd || !c.Subreaper {
		t.Fatalf("caps %+v", c)
	}
	if c.CgroupMount != "" && c.CgroupKill && c.Best() != MechanismCgroup {
		t.Errorf("cgroup usable but best is %s", c.Best())
	}
	t.Logf("caps: %+v", c)
}
