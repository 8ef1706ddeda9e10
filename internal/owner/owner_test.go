package owner

import (
	"errors"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/process"
)

// fakeLook is a process table for guards.
type fakeLook struct {
	procs   map[int]process.Info
	cgroups map[int]string
	fds     map[int]map[int]string
	threads map[int]int // thread id -> its process, for threads other than a main one
	exes    map[int]string
}

func (f fakeLook) exe(pid int) (string, error) {
	if _, ok := f.procs[pid]; !ok {
		return "", proc.ErrNotFound
	}
	return f.exes[pid], nil
}

func (f fakeLook) info(pid int) (process.Info, error) {
	p, ok := f.procs[pid]
	if !ok {
		return p, proc.ErrNotFound
	}
	return p, nil
}

func (f fakeLook) cgroup(pid int) (string, error) { return f.cgroups[pid], nil }

func (f fakeLook) group(pid int) (int, error) {
	if tgid, ok := f.threads[pid]; ok {
		return tgid, nil
	}
	return pid, nil
}

func (f fakeLook) pids() ([]int, error) { return slices.Collect(maps.Keys(f.procs)), nil }

// streams returns the pipes, FIFOs ("fifo:[DEV:INO]", as proc.Streams
// names them) and sockets of f.fds[pid].
func (f fakeLook) streams(pid int) (map[int]string, error) {
	fds, ok := f.fds[pid]
	if !ok {
		return nil, os.ErrPermission
	}
	out := map[int]string{}
	for fd, t := range fds {
		if strings.HasPrefix(t, "pipe:") || strings.HasPrefix(t, "fifo:") || strings.HasPrefix(t, "socket:") {
			out[fd] = t
		}
	}
	return out, nil
}

// table: 1 init; 10 shell; 20 the caller (a test binary); 21 its plain
// child; 22 its shim; 23 a member below the shim; 30 a sibling shell
// command (tee) sharing the caller's stdout; 40 another run's guardian;
// 41 a process in another run's cgroup leaf; 50 a daemon of unknown
// origin; 2 kthreadd.
func table() fakeLook {
	ps := []process.Info{
		{PID: 1, PPID: 0}, {PID: 2, PPID: 0, KernelThread: true},
		{PID: 10, PPID: 1}, {PID: 20, PPID: 10}, {PID: 21, PPID: 20},
		{PID: 22, PPID: 20, Markers: map[string]string{EnvShim: "20"}}, {PID: 23, PPID: 22},
		{PID: 30, PPID: 10, Name: "tee"},
		{PID: 40, PPID: 1, Markers: map[string]string{EnvGuardian: "/sys/fs/cgroup/sysprims-9-a"}},
		{PID: 41, PPID: 1}, {PID: 50, PPID: 1},
	}
	f := fakeLook{procs: map[int]process.Info{}, cgroups: map[int]string{40: "/sysprims-9-a/guardian", 41: "/sysprims-9-a/3-tree"},
		fds: map[int]map[int]string{
			20: {0: "/dev/null", 1: "pipe:[77]", 2: "pipe:[77]"},
			30: {0: "pipe:[77]", 1: "/tmp/report"},
			50: {0: "/dev/null"},
		},
		// 22 runs the helper program; 64 (TestGuardHelperImpostors) its
		// parent's own executable, as after ServeHelper.
		exes: map[int]string{20: "/tmp/go-build1/b001/x.test", 22: "/home/u/.cache/sysprims-go/helper-3e92", 64: "/tmp/go-build1/b001/x.test"}}
	for _, p := range ps {
		if p.Markers == nil {
			p.Markers = map[string]string{}
		}
		f.procs[p.PID] = p
	}
	return f
}

func TestGuardRefuses(t *testing.T) {
	f := table()
	f.threads = map[int]int{24: 20} // a thread of the caller
	f.procs[24] = process.Info{PID: 24, PPID: 10, Markers: map[string]string{}}
	g := newGuard(20, f)
	tests := []struct {
		pid   int
		proof Proof
		want  error
		words string
	}{
		{0, Named, ErrProtected, "process group"},
		{-5, Named, ErrProtected, "negative"},
		{1, Named, ErrProtected, "init"},
		{20, Named, ErrProtected, "the caller"},
		{10, Named, ErrProtected, "ancestor"},
		{24, Named, ErrProtected, "a thread of process 20"},
		{2, Named, ErrProtected, "kernel thread"},
		{22, Named, ErrProtected, "helper"},
		{23, Descendant, ErrProtected, "subtree of sysprims helper 22"},
		{40, Named, ErrProtected, "helper"},
		{41, Named, ErrProtected, "container /sysprims-9-a/3-tree"},
		{30, Named, ErrProtected, "pipeline partner"},
		{50, NoProof, ErrNotOurs, "only reported"},
		{21, Descendant, nil, ""},
		{50, Named, nil, ""},
	}
	for _, tt := range tests {
		p := f.procs[tt.pid]
		p.PID = tt.pid
		err := g.Refuse(p, tt.proof)
		if !errors.Is(err, tt.want) || (err != nil && !strings.Contains(err.Error(), tt.words)) {
			t.Errorf("Refuse(pid %d, %v) = %v, want %v (%q)", tt.pid, tt.proof, err, tt.want, tt.words)
		}
	}
}

func TestGuardCallerInsideAContainer(t *testing.T) {
	f := table()
	f.cgroups[20] = "/sysprims-9-a/1-wrapper" // the caller runs under a wrapper's leaf
	f.cgroups[21] = "/sysprims-9-a/1-wrapper"
	f.cgroups[23] = "/sysprims-9-a/1-wrapper/sysprims-20-b/1-tree"
	g := newGuard(20, f)
	if err := g.Refuse(f.procs[21], Descendant); err != nil {
		t.Errorf("a descendant in the caller's own (wrapper's) leaf refused: %v", err)
	}
	if err := g.Refuse(f.procs[23], Descendant); !errors.Is(err, ErrProtected) {
		t.Errorf("a member of the caller's own tree container allowed to a scan: %v", err)
	}
}

func TestRunLeaf(t *testing.T) {
	tests := []struct{ in, leaf string }{
		{"/", ""},
		{"/user.slice/x", ""},
		{"/sysprims-9-a", "/sysprims-9-a"},
		{"/sysprims-9-a/3-tree", "/sysprims-9-a/3-tree"},
		{"/a/sysprims-9-a/3-tree/sub", "/a/sysprims-9-a/3-tree"},
		{"/sysprims-1-a/1/sysprims-2-b/4", "/sysprims-1-a/1/sysprims-2-b/4"},
	}
	for _, tt := range tests {
		if got, _ := runLeaf(tt.in); got != tt.leaf {
			t.Errorf("runLeaf(%q) = %q, want %q", tt.in, got, tt.leaf)
		}
	}
}

func TestGuardLive(t *testing.T) {
	g := NewGuard()
	if err := g.CheckPID(os.Getppid()); !errors.Is(err, ErrProtected) {
		t.Errorf("the parent (go test) is not refused: %v", err)
	}
	if err := g.CheckPID(os.Getpid()); !errors.Is(err, ErrProtected) {
		t.Errorf("the caller is not refused: %v", err)
	}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	p, err := proc.Get(cmd.Process.Pid, proc.Options{Fields: proc.FieldMarkers})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Refuse(p, Descendant); err != nil {
		t.Errorf("own child refused: %v", err)
	}
	if err := g.Refuse(p, NoProof); !errors.Is(err, ErrNotOurs) {
		t.Errorf("NoProof allowed: %v", err)
	}
}

func TestMarkers(t *testing.T) {
	id := NewTreeID()
	if !OwnTree(id) || OwnTree("feedbeef-1") || RunID() == "" {
		t.Fatalf("tree id %q, run %q", id, RunID())
	}
	env := Markers(id, "TestX")
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	p := process.Info{Markers: m}
	if !Minted(p) || TreeOf(p) != id || m[EnvTest] != "TestX" {
		t.Errorf("markers %v", env)
	}
	inherited := process.Info{Markers: map[string]string{EnvRunID: "0123", EnvTreeID: "0123-4"}}
	if Minted(inherited) || TreeOf(inherited) != "" {
		t.Error("an inherited marker counts as ours")
	}
	if len(Markers(id, "")) != 2 {
		t.Error("an empty test name is set")
	}
	shim := process.Info{Markers: map[string]string{EnvShim: "1"}}
	for k, v := range m {
		shim.Markers[k] = v
	}
	if !InTree(p, id) || InTree(p, "") || InTree(inherited, "0123-4") || InTree(shim, id) {
		t.Error("InTree wrong")
	}
	if !IsHelper(process.Info{Markers: map[string]string{EnvShim: ""}}) || IsHelper(p) {
		t.Error("IsHelper wrong")
	}
}

func TestProofString(t *testing.T) {
	for _, p := range []Proof{NoProof, Named, Descendant, Spawned, Container} {
		if p.String() == "" {
			t.Errorf("proof %d has no words", p)
		}
	}
}

func TestGuardWithOwn(t *testing.T) {
	f := table()
	own := func(p process.Info) bool { return p.PID == 23 || p.PID == 41 || p.PID == 22 }
	g := newGuard(20, f).WithOwn(own)
	for _, pid := range []int{23, 41} {
		if err := g.Refuse(f.procs[pid], Named); err != nil {
			t.Errorf("a named member of the caller's own container refused: %v", err)
		}
		if err := g.Refuse(f.procs[pid], Descendant); !errors.Is(err, ErrProtected) {
			t.Errorf("a scan may signal pid %d inside a container: %v", pid, err)
		}
	}
	if err := g.Refuse(f.procs[22], Named); !errors.Is(err, ErrProtected) {
		t.Errorf("the caller's own helper may be named: %v", err)
	}
	if err := g.Refuse(f.procs[10], Named); !errors.Is(err, ErrProtected) {
		t.Errorf("an ancestor may be named: %v", err)
	}
}

// TestGuardHelperImpostors: a process that carries a helper's marker but
// is no helper of a live run (its SYSPRIMS_SHIM names no live parent, its
// SYSPRIMS_GUARDIAN no cgroup it lives in) is described as such, not as
// "a sysprims helper", and is only reported unless a proof taken by
// identity exists; what runs below it is not shielded by its marker.
// Before, every marked process read "is a sysprims helper".
func TestGuardHelperImpostors(t *testing.T) {
	f := table()
	impostors := []process.Info{
		{PID: 60, PPID: 1, Markers: map[string]string{EnvShim: "1"}},                      // a shim whose starter is gone: reparented
		{PID: 61, PPID: 20, Markers: map[string]string{EnvShim: "777"}},                   // names another parent than its own
		{PID: 62, PPID: 1, Markers: map[string]string{EnvGuardian: "/sys/fs/cgroup/x"}},   // no run directory
		{PID: 63, PPID: 1, Markers: map[string]string{EnvGuardian: "/sysprims-8-b"}},      // lives outside the run it names
		{PID: 64, PPID: 20, Markers: map[string]string{EnvShim: "20", EnvGuardian: "/x"}}, // a live shim, whatever else it carries
		{PID: 66, PPID: 20, Markers: map[string]string{EnvShim: "20"}},                    // names its parent, but runs no helper code
	}
	for _, p := range impostors {
		f.procs[p.PID] = p
	}
	f.procs[65] = process.Info{PID: 65, PPID: 61, Markers: map[string]string{}} // below an impostor
	g := newGuard(20, f)
	const words = "carries a sysprims helper marker but is not a helper of a live run"
	f.exes[66] = "/usr/bin/sleep"
	for _, p := range append(impostors[:4:4], impostors[5]) {
		err := g.Refuse(p, Named)
		if !errors.Is(err, ErrNotOurs) || errors.Is(err, ErrProtected) || !strings.Contains(err.Error(), words) {
			t.Errorf("Refuse(impostor %d, Named) = %v, want ErrNotOurs saying %q", p.PID, err, words)
		}
		if err := g.Refuse(p, Spawned); err != nil {
			t.Errorf("Refuse(impostor %d, Spawned) = %v, want nil: an identity taken at spawn is proof", p.PID, err)
		}
		if p.PPID == 20 {
			if err := g.Refuse(p, Descendant); err != nil {
				t.Errorf("Refuse(impostor %d, Descendant) = %v, want nil: it is below the caller", p.PID, err)
			}
		}
	}
	if err := g.Refuse(impostors[4], Spawned); !errors.Is(err, ErrProtected) || !strings.Contains(err.Error(), "is a sysprims helper of a live run") {
		t.Errorf("Refuse(live shim, Spawned) = %v, want ErrProtected", err)
	}
	if err := g.Refuse(f.procs[65], Descendant); err != nil {
		t.Errorf("Refuse(child of an impostor, Descendant) = %v, want nil", err)
	}
}

// TestGuardPipelineIsTransitive: "check --kill | cat | cat | cat": the
// first cat shares the caller's stdout pipe, the others only pipes of the
// pipeline; all are partners. A process on an unrelated pipe, or holding
// a pipeline pipe beyond fds 0-2 only of a non-member, is not.
func TestGuardPipelineIsTransitive(t *testing.T) {
	f := table()
	for pid, fds := range map[int]map[int]string{
		31: {0: "pipe:[77]", 1: "pipe:[78]", 2: "/dev/null"}, // cat 1
		32: {0: "pipe:[78]", 1: "pipe:[79]"},                 // cat 2
		33: {0: "pipe:[79]", 1: "/tmp/out"},                  // cat 3
		34: {0: "pipe:[90]", 1: "pipe:[91]"},                 // another pipeline
		35: {0: "/dev/null", 5: "pipe:[91]"},                 // holds that one's pipe off fds 0-2
	} {
		f.procs[pid] = process.Info{PID: pid, PPID: 10, Name: "cat", Markers: map[string]string{}}
		f.fds[pid] = fds
	}
	g := newGuard(20, f)
	for _, pid := range []int{31, 32, 33} {
		if err := g.Refuse(f.procs[pid], Named); !errors.Is(err, ErrProtected) || !strings.Contains(err.Error(), "pipeline partner") {
			t.Errorf("Refuse(cat %d) = %v, want a pipeline partner", pid, err)
		}
	}
	for _, pid := range []int{34, 35} {
		if err := g.Refuse(f.procs[pid], Named); err != nil {
			t.Errorf("Refuse(%d, off the pipeline) = %v, want nil", pid, err)
		}
	}
}

// TestGuardFIFOReaderIsAPartner: "check --kill > ff" with a detached
// "cat ff" reading the named pipe: the caller's stdout is a FIFO (a path
// in /proc, named by device and inode), the reader holds it on fd 3 (it
// opened the path itself). It is a partner; a process holding another
// FIFO is not. Before, only "pipe:[N]" and sockets on fds 0-2 counted,
// and the reader was killed.
func TestGuardFIFOReaderIsAPartner(t *testing.T) {
	f := table()
	f.fds[20] = map[int]string{0: "/dev/null", 1: "fifo:[8:99]", 2: "pipe:[77]"}
	for pid, fds := range map[int]map[int]string{
		51: {0: "/dev/null", 1: "/tmp/out", 2: "/dev/null", 3: "fifo:[8:99]"}, // cat ff
		52: {0: "/dev/null", 3: "fifo:[8:98]"},                                // another FIFO's reader
	} {
		f.procs[pid] = process.Info{PID: pid, PPID: 1, Name: "cat", Markers: map[string]string{}}
		f.fds[pid] = fds
	}
	g := newGuard(20, f)
	if err := g.Refuse(f.procs[51], Named); !errors.Is(err, ErrPartner) || !errors.Is(err, ErrProtected) || !strings.Contains(err.Error(), "fifo:[8:99]") {
		t.Errorf("Refuse(FIFO reader) = %v, want ErrPartner naming fifo:[8:99]", err)
	}
	if err := g.Refuse(f.procs[52], Named); err != nil {
		t.Errorf("Refuse(reader of another FIFO) = %v, want nil", err)
	}
}

// TestGuardPipelineFollowsEveryDescriptor: "check --kill | tee >(cat > f)":
// tee shares the caller's stdout pipe and holds the pipe to the process
// substitution's cat on fd 63; that cat is a partner, and so is a reader
// of a FIFO a partner holds on fd 4. The walk does not widen through the
// caller's ancestors (the shell 10 holds pipes of other jobs) or init,
// nor through a pipe the caller or an ancestor holds (pipe:[99], a
// descriptor everything below the shell inherited). Before, only fds 0-2
// were followed, and the cat was killed.
func TestGuardPipelineFollowsEveryDescriptor(t *testing.T) {
	f := table()
	f.fds[20][251] = "pipe:[99]"
	f.fds[30] = map[int]string{0: "pipe:[77]", 1: "/dev/null", 63: "pipe:[80]", 4: "fifo:[8:5]", 251: "pipe:[99]"} // tee
	f.fds[10] = map[int]string{0: "/dev/tty", 1: "pipe:[77]", 9: "pipe:[81]"}                                      // the shell, an ancestor
	f.fds[1] = map[int]string{1: "pipe:[77]", 7: "pipe:[82]"}
	for pid, fds := range map[int]map[int]string{
		36: {0: "pipe:[80]", 1: "/tmp/f"},      // the >(cat > f)
		37: {0: "/dev/null", 3: "fifo:[8:5]"},  // reads tee's FIFO
		38: {0: "pipe:[81]"},                   // another job of the shell
		39: {0: "pipe:[82]"},                   // something init holds a pipe to
		53: {0: "/dev/null", 251: "pipe:[99]"}, // a daemon that inherited the ambient pipe
	} {
		f.procs[pid] = process.Info{PID: pid, PPID: 1, Name: "cat", Markers: map[string]string{}}
		f.fds[pid] = fds
	}
	g := newGuard(20, f)
	for _, pid := range []int{36, 37} {
		if err := g.Refuse(f.procs[pid], Named); !errors.Is(err, ErrPartner) {
			t.Errorf("Refuse(%d) = %v, want a pipeline partner", pid, err)
		}
	}
	for _, pid := range []int{38, 39, 53} {
		if err := g.Refuse(f.procs[pid], Named); err != nil {
			t.Errorf("Refuse(%d, reached only through an ancestor, init or an ambient pipe) = %v, want nil", pid, err)
		}
	}
}

// TestGuardOutputPipeIsAStream: "check --output >(consumer)": the caller
// writes its report to a pipe on fd 7, not 0-2; after AlsoOutput(7) its
// reader is a partner. Before, the consumer was killed and the report
// lost.
func TestGuardOutputPipeIsAStream(t *testing.T) {
	f := table()
	f.fds[20][7] = "pipe:[555]"
	f.procs[53] = process.Info{PID: 53, PPID: 1, Name: "consumer", Markers: map[string]string{}}
	f.fds[53] = map[int]string{0: "pipe:[555]", 1: "/tmp/report"}
	if err := newGuard(20, f).Refuse(f.procs[53], Named); err != nil {
		t.Fatalf("without AlsoOutput: Refuse(consumer) = %v, want nil (fds 0-2 only)", err)
	}
	g := newGuard(20, f)
	g.AlsoOutput(7)
	if err := g.Refuse(f.procs[53], Named); !errors.Is(err, ErrPartner) {
		t.Errorf("Refuse(consumer of the output pipe) = %v, want ErrPartner", err)
	}
}

// CheckPID builds on the send path's check: what signal.ValidatePID
// refuses (the real caller, its parent, the leader of its process group)
// a guard refuses too, even one whose ancestry does not name them (the
// guard's copy of the rule once let the group leader through), and one
// errors.Is test holds for both layers.
func TestCheckPIDBuildsOnValidatePID(t *testing.T) {
	g := newGuard(20, table())
	pids := []int{os.Getpid(), os.Getppid()}
	if p, err := proc.Get(os.Getpid(), proc.Options{}); err == nil && p.PGID > 1 {
		pids = append(pids, p.PGID)
	}
	for _, pid := range pids {
		want := signal.ValidatePID(pid)
		err := g.CheckPID(pid)
		if want == nil || err == nil || err.Error() != want.Error() || !errors.Is(err, ErrProtected) || !errors.Is(err, signal.ErrInvalidPID) {
			t.Errorf("CheckPID(%d) = %v, want %v, wrapping ErrProtected and signal.ErrInvalidPID", pid, err, want)
		}
	}
	if !errors.Is(g.CheckPID(10), signal.ErrInvalidPID) {
		t.Error("an ancestor's refusal does not test as signal.ErrInvalidPID")
	}
}

func TestSetEnv(t *testing.T) {
	got := SetEnv([]string{"A=1", EnvTreeID + "=old", "B=2"}, []string{EnvTreeID + "=new"})
	if want := []string{"A=1", "B=2", EnvTreeID + "=new"}; !slices.Equal(got, want) {
		t.Errorf("SetEnv = %v, want %v", got, want)
	}
	if v := LookupEnv([]string{"A=1", "A=2", "AB=3"}, "A"); v != "2" {
		t.Errorf("LookupEnv = %q, want the last value", v)
	}
}

// InTree builds on CarriesTree: a copy of the tree id (no run id, or
// another's) is carried but no membership; a helper is neither.
func TestCarriesTree(t *testing.T) {
	id := NewTreeID()
	for _, tt := range []struct {
		markers         map[string]string
		carries, inTree bool
	}{
		{map[string]string{EnvRunID: RunID(), EnvTreeID: id}, true, true},
		{map[string]string{EnvTreeID: id}, true, false},
		{map[string]string{EnvRunID: "0badc0de", EnvTreeID: id}, true, false},
		{map[string]string{EnvRunID: RunID(), EnvTreeID: id, EnvGuardian: "/x"}, false, false},
		{map[string]string{EnvRunID: RunID(), EnvTreeID: id + "0"}, false, false},
	} {
		p := process.Info{PID: 9, Markers: tt.markers}
		if CarriesTree(p, id) != tt.carries || InTree(p, id) != tt.inTree || CarriesTree(p, "") || InTree(p, "") {
			t.Errorf("%v: CarriesTree %v, InTree %v, want %v, %v", tt.markers, CarriesTree(p, id), InTree(p, id), tt.carries, tt.inTree)
		}
	}
}
