package process

import "testing"

func TestInfoString(t *testing.T) {
	p := Info{PID: 4242, PPID: 1, PGID: 4100, SID: 4100, Name: "sleep", State: StateSleeping}
	if got, want := p.String(), "pid 4242 ppid 1 pgid 4100 sid 4100 [sleeping] sleep"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	p.Cmdline = []string{"sh", "-c", "sleep 300", ""}
	if got, want := p.String(), `pid 4242 ppid 1 pgid 4100 sid 4100 [sleeping] sh -c "sleep 300" ""`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if id := p.ID(); id != (Identity{PID: 4242}) {
		t.Errorf("ID() = %v", id)
	}
}

func TestStates(t *testing.T) {
	if !StateZombie.Gone() || !StateDead.Gone() || StateStopped.Gone() {
		t.Error("Gone() wrong")
	}
	for _, s := range States() {
		if !s.Valid() {
			t.Errorf("%q not valid", s)
		}
	}
	if State("asleep").Valid() {
		t.Error(`"asleep" valid`)
	}
}

func TestMechanisms(t *testing.T) {
	for _, m := range append(Mechanisms(), MechanismAuto) {
		if !m.Valid() {
			t.Errorf("%q not valid", m)
		}
	}
	if Mechanism("cgroup").Valid() {
		t.Error(`"cgroup" valid`)
	}
	if ReliabilityOf(MechanismProcessGroup) != BestEffort || ReliabilityOf(MechanismCgroupV2) != Guaranteed {
		t.Error("ReliabilityOf wrong")
	}
}

func TestReliabilities(t *testing.T) {
	for _, r := range Reliabilities() {
		if !r.Valid() {
			t.Errorf("%q not valid", r)
		}
	}
	if Reliability("guarantied").Valid() || Reliability("").Valid() {
		t.Error("an unknown reliability is valid")
	}
}

func TestNamedTreeIsReportedOnly(t *testing.T) {
	if MechanismNamedTree.Valid() || ReliabilityOf(MechanismNamedTree) != BestEffort {
		t.Error("named_tree can be asked for, or is guaranteed")
	}
	if ReliabilityOf(MechanismAuto) != BestEffort || ReliabilityOf(MechanismJobObject) != Guaranteed || ReliabilityOf(MechanismSubreaper) != Guaranteed {
		t.Error("ReliabilityOf wrong")
	}
}
