package platform

import (
	"os/exec"
	"testing"
)

// benchStart runs /bin/true through a fresh container of m per iteration:
// New, Start, Wait, Close.
func benchStart(b *testing.B, m Mechanism) {
	if !Probe().Has(m) {
		b.Skipf("%s unavailable", m)
	}
	for b.Loop() {
		c, err := New(Spec{Mechanism: m, Require: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Start(exec.Command("/bin/true")); err != nil {
			b.Fatal(err)
		}
		if st, err := c.Wait(); err != nil || st.Code != 0 {
			b.Fatal(st, err)
		}
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStart_Raw(b *testing.B) {
	for b.Loop() {
		if err := exec.Command("/bin/true").Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStart_Group(b *testing.B)     { benchStart(b, MechanismProcessGroup) }
func BenchmarkStart_Subreaper(b *testing.B) { benchStart(b, MechanismSubreaper) }
func BenchmarkStart_Cgroup(b *testing.B)    { benchStart(b, MechanismCgroup) }
