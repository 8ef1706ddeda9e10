package proc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
)

// defaultRoot is the proc filesystem read when Options.Root is empty.
const defaultRoot = "/proc"

// The race detector and the scan: a scan's buffers, its procStat values
// and the ProcessInfo slice it builds belong to the one goroutine running
// it until the result is returned, so the detector has nothing to find in
// the code that fills them. Those functions (the stat and dirent parsers,
// info, processes, process, sortedByPID) are marked //go:norace: per-access
// instrumentation of their byte loops made a snapshot of 1000 processes
// 1.3-1.4x the stat-only floor in a -race test binary, against 1.1-1.2x
// without it. Code that shares memory with another goroutine is never so
// marked.

// scan is one pass over a proc filesystem: the open root, the per-snapshot
// constants and the reused buffers.
type scan struct {
	root    string
	dirfd   int
	fields  Field
	btimeMs int64
	pageKB  uint64
	buf     []byte
	path    []byte

	uptimeTicks int64      // with FieldCPU
	ncpu        int        // with FieldCPU
	users       *userCache // with FieldUser
	link        []byte     // readlink buffer, with FieldExe
	thread      int        // a live thread to read files through (see liveThread), while one process is read
}

// newScan opens the proc root of opts and reads what every process needs.
func newScan(opts Options) (*scan, error) {
	root := opts.Root
	if root == "" {
		root = defaultRoot
	}
	btime, err := bootTimeMs(root)
	if err != nil {
		return nil, err
	}
	dirfd, err := openDir(root)
	if err != nil {
		return nil, fmt.Errorf("sysprims: open %s: %w", root, err)
	}
	s := &scan{root: root, dirfd: dirfd, fields: opts.Fields, btimeMs: btime,
		pageKB: uint64(os.Getpagesize() / 1024), buf: make([]byte, 0, 2048), path: make([]byte, 0, 64)}
	if err := s.prepareExtras(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// prepareExtras reads the per-snapshot inputs of the requested extra fields.
func (s *scan) prepareExtras() error {
	if s.fields.Has(FieldCPU) {
		up, err := uptimeTicks(s.root)
		if err != nil {
			return err
		}
		s.uptimeTicks, s.ncpu = up, runtime.NumCPU()
	}
	if s.fields.Has(FieldUser) {
		s.users = newUserCache(passwdPath(s.root), s.root == defaultRoot)
	}
	return nil
}

func (s *scan) close() { unix.Close(s.dirfd) }

// all reads every process of the root, skipping those that vanish. The
// pids are split between up to [scanWorkers] goroutines, each reading its
// share in order with buffers of its own: a snapshot is system calls,
// which run in parallel on as many CPUs.
func (s *scan) all() ([]ProcessInfo, error) {
	pids, err := readPIDs(s.dirfd)
	if err != nil {
		return nil, fmt.Errorf("sysprims: list %s: %w", s.root, err)
	}
	n := min(runtime.GOMAXPROCS(0), scanWorkers, max(1, len(pids)/minPerWorker))
	ws := []*scan{s}
	for len(ws) < n { // all made before any runs: each copies s
		ws = append(ws, s.worker())
	}
	parts := make([][]ProcessInfo, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, w := range ws {
		share := pids[i*len(pids)/n : (i+1)*len(pids)/n]
		wg.Go(func() { parts[i], errs[i] = w.processes(share) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := slices.Concat(parts...)
	sortByPID(out)
	return out, nil
}

// scanWorkers bounds the goroutines of one snapshot, and minPerWorker
// makes a small one run in one.
const (
	scanWorkers  = 4
	minPerWorker = 128
)

// worker returns a scan of the same root and fields with buffers (and a
// user cache) of its own, for another goroutine.
func (s *scan) worker() *scan {
	w := *s
	w.buf, w.path, w.link = make([]byte, 0, cap(s.buf)), make([]byte, 0, 64), nil
	if s.users != nil {
		w.users = newUserCache(s.users.passwd, s.users.live)
	}
	return &w
}

// processes reads the processes pids, skipping those that vanish.
//
//go:norace
func (s *scan) processes(pids []int) ([]ProcessInfo, error) {
	out := make([]ProcessInfo, 0, len(pids))
	for _, pid := range pids {
		p, err := s.process(pid)
		if err != nil {
			if vanished(err) {
				continue
			}
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// process reads one process: its stat line, then the extra fields asked for.
//
//go:norace
func (s *scan) process(pid int) (ProcessInfo, error) {
	var st procStat
	if err := s.stat(pid, &st); err != nil {
		return ProcessInfo{}, err
	}
	p := statInfo(&st, s.btimeMs, s.pageKB)
	if p.State == StateZombie && st.Threads > 1 {
		p.State, s.thread = liveThread(s.root, pid)
		defer func() { s.thread = 0 }()
	}
	if s.fields != 0 {
		s.extras(&p, &st)
	}
	return p, nil
}

// liveThread returns, for a process whose main thread has exited while
// others run (its stat says zombie, its thread count more than the main
// thread's one), the state and id of its first live thread, so the
// process counts as alive and its files are read through that thread
// (/proc/PID/fd and /proc/PID/environ read empty or fail for it);
// zombie and 0 when none is left by now.
func liveThread(root string, pid int) (State, int) {
	task := root + "/" + strconv.Itoa(pid) + "/task"
	fd, err := openDir(task)
	if err != nil {
		return StateZombie, 0
	}
	tids, err := readPIDs(fd)
	unix.Close(fd)
	if err != nil {
		return StateZombie, 0
	}
	for _, tid := range tids {
		if tid == pid {
			continue
		}
		b, err := os.ReadFile(task + "/" + strconv.Itoa(tid) + "/stat")
		var st procStat
		if err != nil || procfs.ParseStat(b, &st) != nil {
			continue
		}
		if state := linuxState(st.State); !state.Gone() {
			return state, tid
		}
	}
	return StateZombie, 0
}

// stat reads and parses <root>/pid/stat into st. st.Name aliases s.buf.
func (s *scan) stat(pid int, st *procStat) error {
	b, err := s.read(pid, "stat")
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return unix.ESRCH // reaped between open and read
	}
	if err := procfs.ParseStat(b, st); err != nil {
		return fmt.Errorf("sysprims: %s/%d/stat: %w", s.root, pid, err)
	}
	return nil
}

// read reads <root>/pid/file into the scan buffer and returns it; the
// result is valid until the next read.
func (s *scan) read(pid int, file string) ([]byte, error) {
	if s.thread != 0 && file != "stat" {
		file = "task/" + strconv.Itoa(s.thread) + "/" + file
	}
	s.path = appendPath(s.path[:0], pid, file)
	b, err := readFileAt(s.dirfd, s.path, s.buf)
	s.buf = b[:0]
	return b, err
}

// bootTimes caches the boot time of the default root: the kernel moves
// btime when the wall clock is stepped, and a start time must not move
// between two snapshots of one process.
var bootTimes = sync.OnceValues(func() (int64, error) { return readBootTimeMs(defaultRoot) })

// bootTimeMs returns the boot time of root in unix milliseconds.
func bootTimeMs(root string) (int64, error) {
	if root == defaultRoot {
		return bootTimes()
	}
	return readBootTimeMs(root)
}

// readBootTimeMs parses the "btime" line of <root>/stat.
func readBootTimeMs(root string) (int64, error) {
	b, err := os.ReadFile(filepath.Join(root, "stat"))
	if err != nil {
		return 0, fmt.Errorf("sysprims: boot time: %w", err)
	}
	if ms, ok := parseBootTimeMs(b); ok {
		return ms, nil
	}
	return 0, fmt.Errorf("sysprims: boot time: no btime line in %s/stat", root)
}

// parseBootTimeMs returns the "btime" line of a /proc/stat file in unix
// milliseconds.
func parseBootTimeMs(b []byte) (int64, bool) {
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			if v, n := procfs.ParseInt(rest); n > 0 && v >= 0 && v <= math.MaxInt64/1000 {
				return v * 1000, true
			}
		}
	}
	return 0, false
}

// uptimeTicks reads <root>/uptime ("605.83 1125.25") in clock ticks.
func uptimeTicks(root string) (int64, error) {
	b, err := os.ReadFile(filepath.Join(root, "uptime"))
	if err != nil {
		return 0, fmt.Errorf("sysprims: uptime: %w", err)
	}
	ticks, ok := parseUptimeTicks(b)
	if !ok {
		return 0, fmt.Errorf("sysprims: uptime: malformed %.40q", b)
	}
	return ticks, nil
}

// parseUptimeTicks parses the first number of a /proc/uptime file
// ("605.83 1125.25", seconds) in clock ticks.
func parseUptimeTicks(b []byte) (int64, bool) {
	secs, n := procfs.ParseInt(b)
	if n == 0 || b[0] == '-' || secs > math.MaxInt64/clockTicks-1 {
		return 0, false
	}
	ticks := secs * clockTicks
	if n < len(b) && b[n] == '.' {
		frac := b[n+1:]
		for i, scale := 0, int64(clockTicks/10); i < len(frac) && scale > 0 && frac[i] >= '0' && frac[i] <= '9'; i, scale = i+1, scale/10 {
			ticks += int64(frac[i]-'0') * scale
		}
	}
	return ticks, true
}
