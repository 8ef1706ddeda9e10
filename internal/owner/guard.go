package owner

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/3leaps/sysprims-go/internal/proc"
	"github.com/3leaps/sysprims-go/internal/signal"
	"github.com/3leaps/sysprims-go/process"
)

// ErrProtected is the sentinel of every refusal: the process must not be
// signalled, whatever proof is offered. It is [signal.ErrInvalidPID], the
// send path's own refusal, so one errors.Is test holds for a pid refused
// by either layer.
var ErrProtected = signal.ErrInvalidPID

// ErrPartner is the refusal of a pipeline partner of the caller
// ([Guard.partner]): it wraps [ErrProtected]. A caller may still report
// such a process (a daemon that kept the caller's output pipe is a leak
// all the same); it must not signal it.
var ErrPartner = fmt.Errorf("%w: a pipeline partner", ErrProtected)

// ErrNotOurs reports a process that no kernel-backed fact makes ours.
var ErrNotOurs = errors.New("sysprims: not provably ours")

// maxDepth bounds walks up parent links (a loop in a racing read).
const maxDepth = 256

// Guard refuses to signal what must never be signalled (see the package
// doc). It reads about the caller once, when made, the caller's pipeline
// once, when first needed, and about each process it is asked about,
// when asked.
type Guard struct {
	self      int
	ancestors map[int]bool    // the caller's parent chain, pid 1 included
	streams   map[string]bool // pipes, FIFOs and sockets on the caller's fds 0-2
	fds       map[int]string  // the caller's own streams, by descriptor ([Guard.AlsoOutput])
	cgroup    string          // the caller's own cgroup v2 path
	look      looker
	own       func(process.Info) bool // inside a live container of the caller's own

	pipelineOnce sync.Once
	pipeline     map[string]bool // streams, closed over partners' pipes and FIFOs ([Guard.partners])
}

// looker reads what a guard needs about one process; tests fake it.
type looker interface {
	info(pid int) (process.Info, error) // stat and markers
	cgroup(pid int) (string, error)
	streams(pid int) (map[int]string, error) // pipes, FIFOs, sockets: [proc.Streams]
	pids() ([]int, error)
	group(pid int) (int, error) // the process a thread id belongs to
	exe(pid int) (string, error)
}

// AlsoOutput makes g take the caller's descriptor fd, where it writes
// its output (check --output), for one of its streams, as fds 0-2 are:
// when fd is a pipe or FIFO ("--output >(consumer)"), what reads it is a
// pipeline partner. Call it before the first Refuse.
func (g *Guard) AlsoOutput(fd int) {
	if t, ok := g.fds[fd]; ok {
		g.streams[t] = true
	}
}

// NewGuard returns a guard for the calling process.
func NewGuard() *Guard { return newGuard(os.Getpid(), procLooker{}) }

func newGuard(self int, l looker) *Guard {
	g := &Guard{self: self, ancestors: ancestors(self, l), streams: map[string]bool{}, look: l}
	g.cgroup, _ = l.cgroup(self)
	g.fds, _ = l.streams(self)
	for fd := 0; fd <= 2; fd++ {
		if t, ok := g.fds[fd]; ok {
			g.streams[t] = true
		}
	}
	return g
}

// WithOwn makes g accept, for a process the user named, membership of a
// live container of the caller's own: own reports such a process (the
// platform layer knows the caller's containers). A scan still may not
// signal it (that container answers for it), but a pid the user named
// there, such as the root of a tree the caller started, is the caller's.
// It returns g.
func (g *Guard) WithOwn(own func(process.Info) bool) *Guard {
	g.own = own
	return g
}

// ancestors returns the parent chain of pid (without pid), pid 1 included.
func ancestors(pid int, l looker) map[int]bool {
	out := map[int]bool{1: true}
	for range maxDepth {
		p, err := l.info(pid)
		if err != nil || p.PPID <= 1 || out[p.PPID] {
			return out
		}
		out[p.PPID] = true
		pid = p.PPID
	}
	return out
}

// CheckPID refuses pids that never name a process this library may
// signal: those [signal.ValidatePID] refuses (0, negatives, 1, the calling
// process, its parent and the leader of its own process group), the
// caller and every ancestor as the guard read them, and thread ids (other
// than a process's main thread), which /proc answers for as if they were
// processes: the children and signals of a thread are its whole
// process's. It reads pid's thread group on Linux; the ancestry was read
// when g was made.
func (g *Guard) CheckPID(pid int) error {
	if err := signal.ValidatePID(pid); err != nil {
		return err
	}
	switch {
	case pid == g.self:
		return fmt.Errorf("%w: pid %d is the caller", ErrProtected, pid)
	case g.ancestors[pid]:
		return fmt.Errorf("%w: pid %d is an ancestor of the caller", ErrProtected, pid)
	}
	if tgid, err := g.look.group(pid); err == nil && tgid != pid {
		return fmt.Errorf("%w: pid %d is a thread of process %d, not a process", ErrProtected, pid, tgid)
	}
	return nil
}

// Refuse returns nil when p may be signalled with proof pr, and otherwise
// an error wrapping [ErrProtected] or [ErrNotOurs] that says why. p must
// be a live process from a recent snapshot; its markers are read when the
// snapshot did not gather them.
func (g *Guard) Refuse(p process.Info, pr Proof) error {
	if err := g.CheckPID(p.PID); err != nil {
		return err
	}
	if pr == NoProof {
		return fmt.Errorf("%w: pid %d (%s): only reported", ErrNotOurs, p.PID, p.Name)
	}
	if p.KernelThread {
		return fmt.Errorf("%w: pid %d is a kernel thread", ErrProtected, p.PID)
	}
	if p.Markers == nil {
		if q, err := g.look.info(p.PID); err == nil && q.ID() == p.ID() {
			p.Markers = q.Markers
		}
	}
	if err := g.helper(p, pr); err != nil {
		return err
	}
	if pr == Named && g.own != nil && g.own(p) {
		return nil
	}
	if err := g.foreignContainer(p); err != nil {
		return err
	}
	desc, err := g.walk(p)
	if err != nil {
		return err
	}
	if !desc {
		return g.partner(p)
	}
	return nil
}

// helper refuses a sysprims helper of a live run ([Guard.liveHelper]):
// its run answers for it. A process that merely carries a helper's
// marker (any process can set one) is no helper; the marker casts doubt
// all the same, so it is signalled only with a kernel-backed proof
// ([Descendant]: below the caller by parent links; [Spawned],
// [Container]), never because the user's scope named it, and otherwise
// reported, not killed.
func (g *Guard) helper(p process.Info, pr Proof) error {
	switch {
	case !IsHelper(p):
		return nil
	case g.liveHelper(p):
		return fmt.Errorf("%w: pid %d is a sysprims helper of a live run", ErrProtected, p.PID)
	case pr >= Descendant:
		return nil
	}
	return fmt.Errorf("%w: pid %d carries a sysprims helper marker but is not a helper of a live run", ErrNotOurs, p.PID)
}

// liveHelper reports whether p, which carries a helper's marker, is the
// helper of a live run by kernel-backed facts: a subreaper shim names in
// [EnvShim] the process that started it, which is still its parent (the
// shim acts for that parent alone); a cgroup guardian lives in the run
// directory its [EnvGuardian] names. A helper this process started
// passes both.
func (g *Guard) liveHelper(p process.Info) bool {
	if v, ok := p.Markers[EnvShim]; ok && p.PPID > 1 && v == strconv.Itoa(p.PPID) {
		return g.helperCode(p)
	}
	dir, ok := p.Markers[EnvGuardian]
	if !ok {
		return false
	}
	cg, err := g.look.cgroup(p.PID)
	if err != nil {
		return false
	}
	leaf, ok := runLeaf(cg)
	if !ok {
		return false
	}
	run := leaf
	if !strings.HasPrefix(path.Base(run), RunDirPrefix) {
		run = path.Dir(leaf)
	}
	return strings.HasSuffix(dir, run)
}

// helperCode reports whether p runs the helper's code, by the kernel's
// record of its executable (a marker, and the parent it names, any
// process can fake): the helper program as it is built ([HelperExe]),
// or its parent's own executable (a program that serves as its own
// helper, platform.ServeHelper).
func (g *Guard) helperCode(p process.Info) bool {
	exe, err := g.look.exe(p.PID)
	if err != nil || exe == "" {
		return false
	}
	if HelperExe(exe) {
		return true
	}
	parent, err := g.look.exe(p.PPID)
	return err == nil && parent == exe
}

// foreignContainer refuses a member of a sysprims cgroup leaf that does
// not hold the caller: that container answers for it.
func (g *Guard) foreignContainer(p process.Info) error {
	cg, err := g.look.cgroup(p.PID)
	if err != nil {
		return nil
	}
	leaf, ok := runLeaf(cg)
	if !ok || g.cgroup == leaf || strings.HasPrefix(g.cgroup, leaf+"/") {
		return nil
	}
	return fmt.Errorf("%w: pid %d is in the sysprims container %s", ErrProtected, p.PID, leaf)
}

// runLeaf returns the sysprims container a cgroup path lies in: the last
// run directory on the path and the leaf below it (or the run directory
// itself, for its guardian).
func runLeaf(cg string) (string, bool) {
	parts := strings.Split(strings.Trim(cg, "/"), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if strings.HasPrefix(parts[i], RunDirPrefix) {
			end := min(i+2, len(parts))
			return "/" + strings.Join(parts[:end], "/"), true
		}
	}
	return "", false
}

// walk follows p's parent links up to the caller (p is a descendant) or
// to the caller's ancestry or init (it is not). A sysprims helper passed
// on the way is the root of another tree's container: refused.
func (g *Guard) walk(p process.Info) (descendant bool, err error) {
	pid := p.PPID
	for range maxDepth {
		switch {
		case pid == g.self:
			return true, nil
		case pid <= 1 || g.ancestors[pid]:
			return false, nil
		}
		q, err := g.look.info(pid)
		if err != nil {
			return false, nil // the chain broke: not provably below the caller
		}
		if g.liveHelper(q) {
			return false, fmt.Errorf("%w: pid %d is inside the subtree of sysprims helper %d", ErrProtected, p.PID, pid)
		}
		pid = q.PPID
	}
	return false, nil
}

// maxPipelineRounds bounds the rounds of [Guard.partners]: a pipeline
// longer than this many stages past the caller is not followed further.
const maxPipelineRounds = 32

// partner refuses, with [ErrPartner], a process outside the caller's
// subtree that holds, on any descriptor, one of the caller's standard
// pipes, FIFOs or sockets, or a pipe or FIFO of its pipeline
// ([Guard.partners]): the tee in "check --kill | tee report", the last
// cat in "check --kill | cat | cat", the reader of a named pipe in
// "check --kill > fifo", the cat of "| tee >(cat > f)".
func (g *Guard) partner(p process.Info) error {
	if len(g.streams) == 0 {
		return nil
	}
	fds, err := g.look.streams(p.PID)
	if err != nil {
		return nil // another user's process: signalling it fails anyway
	}
	for _, t := range fds {
		if g.streams[t] {
			return fmt.Errorf("%w: pid %d shares the caller's %s", ErrPartner, p.PID, t)
		}
	}
	pipeline := g.partners()
	for _, t := range fds {
		if pipeline[t] {
			return fmt.Errorf("%w: pid %d holds %s of the caller's pipeline", ErrPartner, p.PID, t)
		}
	}
	return nil
}

// partners returns the caller's pipeline, read once: the caller's
// standard pipes, FIFOs and sockets, then every pipe and FIFO, on any
// descriptor, of each process that holds one of those on any descriptor,
// and so on, for at most [maxPipelineRounds] rounds. Neither the caller,
// its ancestors nor init widen it: an ancestor (a shell, a CI agent) holds
// pipes to many jobs, and is protected anyway. Nor does a pipe or FIFO
// that one of them holds (beyond the caller's standard streams): such a
// descriptor is inherited by everything started below it (a make
// jobserver's pipe, a descriptor a CI agent leaked to its jobs), and
// links no pipeline.
func (g *Guard) partners() map[string]bool {
	g.pipelineOnce.Do(func() { g.pipeline = g.closePipeline() })
	return g.pipeline
}

// closePipeline closes the caller's streams over the pipes and FIFOs of
// the processes connected to them (see [Guard.partners]).
func (g *Guard) closePipeline() map[string]bool {
	out := maps.Clone(g.streams)
	pids, err := g.look.pids()
	if err != nil {
		return out
	}
	held := make(map[int][]string, len(pids))
	ambient := map[string]bool{}
	for _, pid := range pids {
		fds, err := g.look.streams(pid)
		switch {
		case err != nil || len(fds) == 0:
		case pid == g.self || g.ancestors[pid]:
			for _, t := range fds {
				ambient[t] = true
			}
		default:
			held[pid] = slices.Collect(maps.Values(fds))
		}
	}
	for range maxPipelineRounds {
		if !widen(out, held, ambient) {
			break
		}
	}
	return out
}

// widen adds to set the pipes and FIFOs, but those in ambient, of every
// process in held that holds a member of set, and reports whether set
// grew.
func widen(set map[string]bool, held map[int][]string, ambient map[string]bool) bool {
	grew := false
	for _, ts := range held {
		if !slices.ContainsFunc(ts, func(t string) bool { return set[t] }) {
			continue
		}
		for _, t := range ts {
			if (strings.HasPrefix(t, "pipe:") || strings.HasPrefix(t, "fifo:")) && !set[t] && !ambient[t] {
				set[t], grew = true, true
			}
		}
	}
	return grew
}

// procLooker reads the live system.
type procLooker struct{}

func (procLooker) info(pid int) (process.Info, error) {
	return proc.Get(pid, proc.Options{Fields: proc.FieldMarkers})
}
func (procLooker) cgroup(pid int) (string, error)          { return proc.Cgroup(pid) }
func (procLooker) streams(pid int) (map[int]string, error) { return proc.Streams(pid) }
func (procLooker) pids() ([]int, error)                    { return proc.PIDs() }
func (procLooker) group(pid int) (int, error)              { return proc.ThreadGroup(pid) }
func (procLooker) exe(pid int) (string, error) {
	p, err := proc.Get(pid, proc.Options{Fields: proc.FieldExe})
	return p.ExePath, err
}
