package proc

import (
	"errors"
	"os"
	"strconv"
	"strings"
)

// Listening returns the sockets the processes pids listen on, one entry
// per process holding each (sorted by port, protocol, address, pid). It
// reads the sockets each process holds from /proc/PID/fd and their
// addresses from the tables of its own network namespace
// (/proc/PID/net/{tcp,tcp6,udp,udp6}). A process that has exited is
// skipped; one whose descriptors may not be read is skipped too and
// named in the error, which wraps os.ErrPermission.
func Listening(pids []int) ([]Listener, error) {
	ls, _, err := listening(defaultRoot, pids)
	return ls, err
}

// AllListening returns every listening socket of the network namespaces
// of the processes this caller may inspect, the caller's own included,
// each with the process holding it; a socket no inspectable process holds
// is listed once with PID 0.
func AllListening() ([]Listener, error) {
	pids, err := allPIDs(defaultRoot)
	if err != nil {
		return nil, err
	}
	held, inodes, err := listening(defaultRoot, pids)
	if errors.Is(err, os.ErrPermission) {
		err = nil // another user's processes: their sockets count as unheld
	}
	out := append(held, unheld(defaultRoot, inodes)...)
	sortListeners(out)
	return out, err
}

// NetSockets returns the inet and unix-domain sockets of pid's network
// namespace, keyed by inode, to describe the "socket:[INODE]"
// descriptors of [Files].
func NetSockets(pid int) (map[uint64]Socket, error) {
	dir := defaultRoot + "/" + strconv.Itoa(pid) + "/net"
	out, err := readSockets(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(dir + "/unix")
	if err != nil {
		return out, nil // no unix table: the inet sockets alone
	}
	unix, err := ParseUnixTable(b)
	for _, s := range unix {
		out[s.Inode] = s
	}
	return out, err
}

// listening does the work of Listening under root, and also returns the
// inodes of the sockets it found held.
func listening(root string, pids []int) ([]Listener, map[uint64]bool, error) {
	tables := map[string]map[uint64]Socket{} // by network namespace
	held := map[uint64]bool{}
	self, _ := os.Readlink(root + "/self/ns/net")
	var out []Listener
	var errs []error
	for _, pid := range pids {
		inodes, err := socketInodes(root, pid)
		var socks map[uint64]Socket
		var ns string
		if err == nil && len(inodes) > 0 {
			socks, ns, err = namespaceSockets(root, pid, tables)
		}
		if err != nil {
			if !errors.Is(err, ErrNotFound) { // an exited process holds nothing
				errs = append(errs, err)
			}
			continue
		}
		for _, ino := range inodes {
			if s, ok := socks[ino]; ok && s.Listening() {
				l := s.listener(pid)
				l.OtherNetNS = self != "" && strings.HasPrefix(ns, "net:") && ns != self
				out = append(out, l)
				held[ino] = true
			}
		}
	}
	sortListeners(out)
	return out, held, errors.Join(errs...)
}

// namespaceSockets returns the socket tables of pid's network namespace,
// read once per namespace, and the namespace ("net:[INODE]", or "pid N"
// when its link cannot be read).
func namespaceSockets(root string, pid int, tables map[string]map[uint64]Socket) (map[uint64]Socket, string, error) {
	dir := root + "/" + strconv.Itoa(pid)
	ns, err := os.Readlink(dir + "/ns/net")
	if err != nil {
		ns = "pid " + strconv.Itoa(pid) // unreadable: this process's tables alone
	}
	if t, ok := tables[ns]; ok {
		return t, ns, nil
	}
	t, err := readSockets(dir + "/net")
	if err != nil {
		return nil, ns, notFound(pid, err)
	}
	tables[ns] = t
	return t, ns, nil
}

// readSockets reads the four inet tables of a /proc net directory. A
// table the kernel lacks (no IPv6) is skipped.
func readSockets(dir string) (map[uint64]Socket, error) {
	out := map[uint64]Socket{}
	for _, t := range netTables {
		b, err := os.ReadFile(dir + "/" + t.file)
		if errors.Is(err, os.ErrNotExist) && t.file[len(t.file)-1] == '6' {
			continue
		}
		if err != nil {
			return nil, err
		}
		socks, err := ParseNetTable(b, t.proto)
		if err != nil {
			return nil, err
		}
		for _, s := range socks {
			if s.Inode != 0 {
				out[s.Inode] = s
			}
		}
	}
	return out, nil
}

// socketInodes returns the inodes of the sockets pid holds open.
func socketInodes(root string, pid int) ([]uint64, error) {
	_, files, err := fdLinks(root, pid)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, target := range files {
		if ino, ok := SocketInode(target); ok {
			out = append(out, ino)
		}
	}
	return out, nil
}

// unheld lists the listening sockets of the caller's network namespace
// whose inode is not in held, with PID 0.
func unheld(root string, held map[uint64]bool) []Listener {
	socks, err := readSockets(root + "/self/net")
	if err != nil {
		return nil
	}
	var out []Listener
	for ino, s := range socks {
		if s.Listening() && !held[ino] {
			out = append(out, s.listener(0))
		}
	}
	return out
}

// allPIDs lists the numeric entries of root.
func allPIDs(root string) ([]int, error) {
	d, err := os.Open(root)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	var pids []int
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, err
}
