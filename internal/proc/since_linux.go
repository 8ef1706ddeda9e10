package proc

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// probeMax is the widest pid range [Since] reads pid by pid; a wider one
// is intersected with one listing of the proc root instead.
const probeMax = 32

// Since returns the live processes created since the process id names
// started, id's own process included, with the default fields. Pids are
// allocated in increasing order, so it reads only the pids in [id.PID,
// last pid] (see [LastPID]) and keeps those that started no earlier than
// id; when the counter has wrapped since (the last pid is below id's),
// every process is read. Kernel threads and zombies are left out.
//
// gone lists pids whose processes, created since id, are known to have
// exited (by a pidfd): they are not read, since without a wrap no other
// process has been given their pid. They are read after a wrap.
//
// Limits: a counter that wrapped all the way round past id's pid (more
// processes created during id's life than pid_max allows) looks unwrapped,
// and processes created since with lower pids are missed; so are
// processes given a chosen pid (clone3 set_tid, a write to ns_last_pid),
// which only privileged checkpoint/restore tools do.
func Since(id Identity, gone []int) ([]ProcessInfo, error) {
	s, err := newScan(Options{})
	if err != nil {
		return nil, err
	}
	defer s.close()
	last, err := s.lastPID()
	if err != nil {
		return nil, err
	}
	pids, err := s.candidates(id.PID, last, gone)
	if err != nil {
		return nil, err
	}
	var out []ProcessInfo
	for _, pid := range pids {
		p, err := s.process(pid)
		if err == nil && !p.State.Gone() && !p.KernelThread && p.StartTimeUnixMs >= id.StartTimeUnixMs {
			out = append(out, p)
		}
	}
	return out, nil
}

// candidates lists the pids that may have been created since lo: those
// from lo to last, minus gone, probed one by one when they are few and
// intersected with a listing of the proc root otherwise; every pid when
// the counter wrapped (last < lo).
func (s *scan) candidates(lo, last int, gone []int) ([]int, error) {
	if last < lo {
		return s.listPIDs()
	}
	skip := make(map[int]bool, len(gone))
	for _, pid := range gone {
		if pid >= lo && pid <= last {
			skip[pid] = true
		}
	}
	drop := func(pid int) bool { return pid < lo || pid > last || skip[pid] }
	if last-lo+1-len(skip) > probeMax {
		all, err := s.listPIDs()
		return slices.DeleteFunc(all, drop), err
	}
	var pids []int
	for pid := lo; pid <= last; pid++ {
		if !drop(pid) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// listPIDs lists the numeric entries of the proc root.
func (s *scan) listPIDs() ([]int, error) {
	if _, err := unix.Seek(s.dirfd, 0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("sysprims: list %s: %w", s.root, err)
	}
	pids, err := readPIDs(s.dirfd)
	if err != nil {
		return nil, fmt.Errorf("sysprims: list %s: %w", s.root, err)
	}
	return pids, nil
}

// lastPID reads sys/kernel/ns_last_pid of the scan's root.
func (s *scan) lastPID() (int, error) {
	b, err := readFileAt(s.dirfd, []byte("sys/kernel/ns_last_pid\x00"), s.buf)
	s.buf = b[:0]
	if err != nil {
		return 0, fmt.Errorf("sysprims: last pid: %w", err)
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil {
		return 0, fmt.Errorf("sysprims: last pid: %w", err)
	}
	return n, nil
}
