package sysprimstest

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/process"
)

// A cmd.SysProcAttr the container cannot honour is refused with an error
// that says what to do, and nothing starts; never silently overridden.
// (Setsid and Setpgid for the root are honoured: see TestExecCompat.)
func TestSysProcAttrRefused(t *testing.T) {
	cases := []struct {
		m    process.Mechanism
		attr *syscall.SysProcAttr
		want string
	}{
		{process.MechanismCgroupV2, &syscall.SysProcAttr{UseCgroupFD: true}, "UseCgroupFD: the cgroup_v2 mechanism starts the root in a cgroup leaf of its own"},
		{process.MechanismProcessGroup, &syscall.SysProcAttr{Setpgid: true, Pgid: syscall.Getpgrp()}, "process_group mechanism starts the root in a session and group of its own"},
		// The subreaper's shim took these and the root silently lost them.
		{process.MechanismSubreaper, &syscall.SysProcAttr{Setpgid: true, Pgid: syscall.Getpgrp()}, "subreaper mechanism starts the root in a session and group of its own"},
		{process.MechanismSubreaper, &syscall.SysProcAttr{Setsid: true, Setctty: true}, "root runs in a new session, without the terminal"},
		{process.MechanismSubreaper, &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}, "Pdeathsig would reach the subreaper shim, not the root"},
		{process.MechanismSubreaper, &syscall.SysProcAttr{Chroot: "/"}, "Chroot would apply to the subreaper shim"},
		// The shim became the namespace's init: the root it reported was
		// a pid of that namespace, and the tree outlived the test.
		{process.MechanismSubreaper, &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}, "CLONE_NEWPID (Cloneflags or Unshareflags) would put the subreaper shim"},
		// The shim died, and Start blamed the command.
		{process.MechanismSubreaper, &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWPID}, "CLONE_NEWPID (Cloneflags or Unshareflags) would put the subreaper shim"},
	}
	for _, c := range cases {
		t.Run(string(c.m)+" "+c.want[:20], func(t *testing.T) {
			if !platform.Probe().Has(c.m) {
				t.Skipf("no %s here", c.m)
			}
			rec := NewRecorder("TestAttr")
			cmd := fixtures.Command("exit")
			cmd.SysProcAttr = c.attr
			res := Run(rec, time.Minute, cmd, WithMechanism(c.m))
			if errs := rec.Close(); !strings.Contains(errs, c.want) || res.Err == nil {
				t.Errorf("errors %q, %v", errs, res)
			}
		})
	}
}

// A Credential under the subreaper, whose shim (in the caller's cache)
// the new user may not run, fails with an error that says so and what to
// use; it said only "permission denied". (Root only: another user needs
// CAP_SETUID.)
func TestSubreaperCredentialError(t *testing.T) {
	if os.Geteuid() != 0 || !platform.Probe().Has(process.MechanismSubreaper) {
		t.Skip("needs root and the subreaper")
	}
	rec := NewRecorder("TestCredential")
	cmd := fixtures.Command("exit")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	res := Run(rec, time.Minute, cmd, WithMechanism(process.MechanismSubreaper))
	errs := rec.Close()
	switch {
	case res.Err == nil:
		t.Skip("the shim's program is executable by uid 65534 here")
	case !strings.Contains(errs, "Credential: the shim runs as that user too"):
		t.Errorf("errors %q", errs)
	}
}
