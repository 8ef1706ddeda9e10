package proc

// Snapshot returns every process of the system, sorted by pid, with the
// default fields and the extra ones opts.Fields asks for. On Linux the
// default fields come from one read of /proc/PID/stat per process;
// processes that exit during the scan are left out.
func Snapshot(opts Options) ([]ProcessInfo, error) {
	s, err := newScan(opts)
	if err != nil {
		return nil, err
	}
	defer s.close()
	return s.all()
}

// Get returns the process pid. The error wraps [ErrNotFound] when there is
// no such process.
func Get(pid int, opts Options) (ProcessInfo, error) {
	if pid <= 0 {
		return ProcessInfo{}, processErr(pid, ErrNotFound)
	}
	s, err := newScan(opts)
	if err != nil {
		return ProcessInfo{}, err
	}
	defer s.close()
	p, err := s.process(pid)
	if err != nil && vanished(err) {
		return ProcessInfo{}, processErr(pid, ErrNotFound)
	}
	return p, err
}

// ChildrenOf returns the pids of the direct children of pid, sorted. On
// Linux it reads /proc/PID/task/TID/children of every thread (a child
// belongs to the thread that forked it); kernels built without those files
// fall back to the parent links of one snapshot. The kernel documents the
// children files as exact only while the process is stopped or frozen: a
// child forked or reparented during the read may be missed.
func ChildrenOf(pid int) ([]int, error) {
	return childrenOf(defaultRoot, pid)
}

// TreePIDs returns pid followed by all its descendants, parents before
// children. It walks the children files (O(tree)) where the kernel has
// them, and the parent links of one snapshot elsewhere.
func TreePIDs(pid int) ([]int, error) {
	return treePIDs(defaultRoot, pid)
}
