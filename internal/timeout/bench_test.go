package timeout

import (
	"os/exec"
	"testing"

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
		o, err := Run(exec.Command("/bin/true"), Config{Mechanism: m, Require: m != platform.MechanismAuto})
		if err != nil {
			b.Fatal(err)
		}
		if o.ExitCode != 0 || len(o.Survivors) != 0 || o.Error != "" {
			b.Fatalf("outcome %+v", o)
		}
	}
}
