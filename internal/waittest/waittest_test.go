package waittest

import (
	"testing"
	"time"
)

func TestFactor(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int
	}{{"", 1}, {"3", 3}, {"0", 1}, {"-2", 1}, {"x", 1}} {
		t.Setenv(ScaleEnv, c.env)
		if got := Factor(); got != c.want {
			t.Errorf("%s=%q: factor %d, want %d", ScaleEnv, c.env, got, c.want)
		}
	}
	t.Setenv(ScaleEnv, "4")
	if got := Scale(time.Second); got != 4*time.Second {
		t.Errorf("Scale(1s) = %v", got)
	}
}

func TestUntil(t *testing.T) {
	t.Setenv(ScaleEnv, "")
	n := 0
	if !Until(time.Minute, func() bool { n++; return n == 3 }) || n != 3 {
		t.Errorf("Until stopped after %d calls", n)
	}
	if Until(5*time.Millisecond, func() bool { return false }) {
		t.Error("Until reported a condition that never held")
	}
}

// UntilDeadline keeps its deadline as given, whatever the factor.
func TestUntilDeadline(t *testing.T) {
	t.Setenv(ScaleEnv, "1000")
	deadline := time.Now().Add(5 * time.Millisecond)
	if UntilDeadline(deadline, func() bool { return false }) {
		t.Error("UntilDeadline reported a condition that never held")
	}
	if late := time.Since(deadline); late > time.Second {
		t.Errorf("UntilDeadline returned %v after its deadline: scaled", late)
	}
}
