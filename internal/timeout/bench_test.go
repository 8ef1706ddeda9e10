package timeout

import (
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/platform"
)

// mechanisms are the Linux mechanisms the matrix and benchmarks cover,
// strongest first.
var mechanisms = []platform.Mechanism{platform.MechanismCgroup, platform.MechanismSubreaper, platform.MechanismProcessGroup}

// available reports whether m can be used here, and why not.
func available(m platform.Mechanism) (bool, string) {
	c, err := platform.New(platform.Spec{Mechanism: m, Require: true, Name: "probe"})
	if err != nil {
		return false, err.Error()
	}
	if err := c.Close(); err != nil {
		return false, "probe close: " + err.Error()
	}
	return true, ""
}

// forEachMechanism runs fn as a sub-benchmark per available mechanism.
func forEachMechanism(b *testing.B, fn func(b *testing.B, m platform.Mechanism)) {
	for _, m := range mechanisms {
		b.Run(string(m), func(b *testing.B) {
			if ok, why := available(m); !ok {
				b.Skipf("%s unavailable: %s", m, why)
			}
			fn(b, m)
		})
	}
}

func BenchmarkRunTrue_Raw(b *testing.B) {
	for b.Loop() {
		cmd := exec.Command("/bin/true")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunTrue_Engine(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchRunTrue(b, platform.MechanismAuto) })
	forEachMechanism(b, benchRunTrue)
}

func benchRunTrue(b *testing.B, m platform.Mechanism) {
	for b.Loop() {
		benchRunTrue1(b, m)
	}
}

// benchRunTrue1 runs /bin/true once through the engine with m.
func benchRunTrue1(b *testing.B, m platform.Mechanism) {
	o, err := Run(exec.Command("/bin/true"), Config{Mechanism: m, Require: m != platform.MechanismAuto})
	if err != nil {
		b.Fatal(err)
	}
	if o.ExitCode != 0 || len(o.Survivors) != 0 || o.Error != "" {
		b.Fatalf("outcome %+v", o)
	}
}

// BenchmarkRunTrue_Paired runs, per iteration, Run(/bin/true) through the
// engine and a raw exec.Cmd Start+Wait of it, and reports the median of
// the differences as ms-extra (target: < 1 ms with cgroup v2, < 3 ms with
// the subreaper), which stays meaningful on a busy machine.
func BenchmarkRunTrue_Paired(b *testing.B) {
	forEachMechanism(b, func(b *testing.B, m platform.Mechanism) {
		var extra []time.Duration
		var raw, own time.Duration
		for b.Loop() {
			begin := time.Now()
			benchRunTrue1(b, m)
			e := time.Since(begin)
			begin = time.Now()
			if err := exec.Command("/bin/true").Run(); err != nil {
				b.Fatal(err)
			}
			r := time.Since(begin)
			own, raw, extra = own+e, raw+r, append(extra, e-r)
		}
		slices.Sort(extra)
		n := float64(len(extra))
		b.ReportMetric(float64(own.Microseconds())/1000/n, "ms-run")
		b.ReportMetric(float64(raw.Microseconds())/1000/n, "ms-raw")
		b.ReportMetric(float64(extra[len(extra)/2].Microseconds())/1000, "ms-extra")
	})
}
