package helper

import (
	"errors"
	"syscall"
)

// member is one process of a subtree, pinned by a pidfd (fd -1 where the
// kernel has none).
type member struct {
	pid, pgid, fd int
}

// send signals m through its pidfd: a reused pid is never hit.
func (m member) send(sig syscall.Signal) {
	if m.fd >= 0 {
		pidfdSend(m.fd, sig)
		return
	}
	syscall.Kill(m.pid, sig)
}

// walk lists the subtree of top, each member pinned: a pid read from the
// children file of P counts only if, once its pidfd is open, its stat
// still names P as its parent and P is still the process that was pinned
// (P's pidfd still reaches it). So every member was, while pinned, a
// child of a member: a descendant of top. Close the result with
// closeMembers.
func walk(top int) []member {
	type node struct{ pid, fd int }
	var out []member
	queue := []node{{top, -1}}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range Children(p.pid) {
			if m, ok := pin(c, p.pid, p.fd); ok {
				out = append(out, m)
				queue = append(queue, node{c, m.fd})
			}
		}
	}
	return out
}

// pin opens a pidfd for pid and checks that it is a child of parent,
// itself still reached by parentFD (-1: always).
func pin(pid, parent, parentFD int) (member, bool) {
	fd, err := pidfdOpen(pid)
	if err != nil && !errors.Is(err, syscall.ENOSYS) {
		return member{}, false // gone
	}
	ppid, pgid, ok := readStat(pid)
	if ok && ppid == int64(parent) && (parentFD < 0 || pidfdSend(parentFD, 0) == nil) {
		return member{pid: pid, pgid: int(pgid), fd: fd}, true
	}
	if fd >= 0 {
		syscall.Close(fd)
	}
	return member{}, false
}

func closeMembers(ms []member) {
	for _, m := range ms {
		if m.fd >= 0 {
			syscall.Close(m.fd)
		}
	}
}
