package timeout

import (
	"bufio"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
	"golang.org/x/sys/unix"
)

// The subreaper-path benchmarks run the floor and the engine in the same
// loop, one after the other, so both see the same machine, and report
// medians: ms-floor, ms-engine and ms-over (their difference). Goals:
// Run(/bin/true) under 3 ms over raw exec; Stop of a 100-process tree
// that honours SIGTERM within 10 ms of the killpg floor; one that ignores
// it within grace + 20 ms.

// BenchmarkShimRunTrue compares Run(/bin/true) through the subreaper shim
// with exec.Command("/bin/true").Run().
func BenchmarkShimRunTrue(b *testing.B) {
	needShim(b)
	var floor, engine []time.Duration
	for b.Loop() {
		begin := time.Now()
		if err := exec.Command("/bin/true").Run(); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		o, err := Run(exec.Command("/bin/true"), Config{Mechanism: platform.MechanismSubreaper, Require: true})
		if err != nil || o.ExitCode != 0 || o.Error != "" {
			b.Fatalf("%+v %v", o, err)
		}
		floor, engine = append(floor, mid.Sub(begin)), append(engine, time.Since(mid))
	}
	reportPair(b, floor, engine)
}

// BenchmarkShimStop100 compares Stop of a 100-process sleep tree (sh and
// 99 sleeps) through the subreaper shim with the floor: killpg(SIGTERM)
// of the same tree in its own group, then a pidfd of every member polled
// until each has exited.
func BenchmarkShimStop100(b *testing.B) {
	b.Run("honours-term", func(b *testing.B) { benchShimStop(b, sleepTree, 0) })
	b.Run("ignores-term", func(b *testing.B) { benchShimStop(b, `trap "" TERM; `+sleepTree, benchGrace) })
}

// benchShimStop runs floor and engine per iteration; for a tree that
// ignores SIGTERM the floor is the grace period itself.
func benchShimStop(b *testing.B, script string, grace time.Duration) {
	needShim(b)
	var floor, engine []time.Duration
	for b.Loop() {
		b.StopTimer()
		f := grace
		if grace == 0 {
			f = killpgFloor(b, script)
		}
		tr := startSleepTree(b, platform.MechanismSubreaper, script)
		b.StartTimer()
		begin := time.Now()
		o := tr.Stop()
		took := time.Since(begin)
		if len(o.Survivors) > 0 || o.Error != "" {
			b.Fatalf("survivors %v, error %q", o.Survivors, o.Error)
		}
		floor, engine = append(floor, f), append(engine, took)
	}
	reportPair(b, floor, engine)
}

// killpgFloor starts script in its own process group, pins every member
// with a pidfd, and times killpg(SIGTERM) until every pidfd says exited.
func killpgFloor(b *testing.B, script string) time.Duration {
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		b.Fatalf("sleep tree said %q, %v", line, err)
	}
	var fds []unix.PollFd
	for _, pid := range groupMembers(b, cmd.Process.Pid) {
		if fd, err := unix.PidfdOpen(pid, 0); err == nil {
			fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
		}
	}
	begin := time.Now()
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); err != nil {
		b.Fatal(err)
	}
	for len(fds) > 0 {
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			b.Fatal(err)
		}
		fds = slices.DeleteFunc(fds, func(p unix.PollFd) bool {
			if p.Revents == 0 {
				return false
			}
			unix.Close(int(p.Fd))
			return true
		})
	}
	return time.Since(begin)
}

// needShim skips b unless the subreaper shim is available here.
func needShim(b *testing.B) {
	if ok, why := available(platform.MechanismSubreaper); !ok {
		b.Skipf("subreaper unavailable: %s", why)
	}
}

// reportPair reports the medians of floor and engine and their
// difference, in ms.
func reportPair(b *testing.B, floor, engine []time.Duration) {
	f, e := median(floor), median(engine)
	b.ReportMetric(ms(f), "ms-floor")
	b.ReportMetric(ms(e), "ms-engine")
	b.ReportMetric(ms(e-f), "ms-over")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
