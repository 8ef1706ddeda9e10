package proc

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
)

// Cgroup returns the cgroup v2 path of pid (the "0::" line of
// /proc/PID/cgroup), relative to the cgroup2 mount; "" when the process
// has none (a cgroup v1 only system).
func Cgroup(pid int) (string, error) {
	b, err := os.ReadFile(defaultRoot + "/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return "", notFound(pid, err)
	}
	return procfs.CgroupV2Path(b), nil
}

// PIDs lists the processes /proc shows (threads not included).
func PIDs() ([]int, error) { return allPIDs(defaultRoot) }

// Streams returns the pipes, named pipes (FIFOs) and sockets open on
// the descriptors of pid, keyed by descriptor, under names that are equal
// exactly when the object is the same: an anonymous pipe or a socket as
// its /proc/PID/fd link reads ("pipe:[4242]", "socket:[77]"), a named
// pipe, whose link reads as a path, as "fifo:[DEV:INO]" from a stat of
// the open file (whatever path opened it, or whether it was since
// removed). Other descriptors are left out.
func Streams(pid int) (map[int]string, error) { return streams(defaultRoot, pid) }

func streams(root string, pid int) (map[int]string, error) {
	dir, all, err := fdLinks(root, pid)
	if err != nil {
		return nil, err
	}
	out := make(map[int]string, len(all))
	for fd, target := range all {
		switch {
		case strings.HasPrefix(target, "pipe:"), strings.HasPrefix(target, "socket:"):
			out[fd] = target
		case strings.HasPrefix(target, "/"):
			if id, ok := fifoID(dir + "/" + strconv.Itoa(fd)); ok {
				out[fd] = id
			}
		}
	}
	return out, nil
}

// fifoID names the named pipe a /proc/PID/fd link opens, by device and
// inode; false when it opens something else.
func fifoID(link string) (string, bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(link, &st); err != nil {
		return "", false
	}
	return fifoName(uint32(st.Mode), uint64(st.Dev), uint64(st.Ino))
}

// fifoName is the name [Streams] gives an open file of mode, device and
// inode as stat(2) reports them: "fifo:[DEV:INO]" for a named pipe, false
// for anything else.
func fifoName(mode uint32, dev, ino uint64) (string, bool) {
	if mode&syscall.S_IFMT != syscall.S_IFIFO {
		return "", false
	}
	return "fifo:[" + strconv.FormatUint(dev, 10) + ":" + strconv.FormatUint(ino, 10) + "]", true
}

// Files returns what the open file descriptors of pid point to, as
// /proc/PID/fd links read ("pipe:[4242]", "socket:[77]", "/dev/null"),
// keyed by descriptor number. Reading another user's descriptors needs
// privilege; the error then wraps os.ErrPermission.
func Files(pid int) (map[int]string, error) {
	_, links, err := fdLinks(defaultRoot, pid)
	return links, err
}

// fdLinks reads the descriptor links of pid and says from which
// directory: /proc/PID/fd, or, when that lists nothing for a process
// whose main thread has exited while others run, a live thread's
// /proc/PID/task/TID/fd ([liveThread]).
func fdLinks(root string, pid int) (dir string, links map[int]string, err error) {
	base := root + "/" + strconv.Itoa(pid)
	dir = base + "/fd"
	links, err = readLinks(dir, pid)
	if err != nil || len(links) > 0 {
		return dir, links, err
	}
	var st procStat
	if b, err := os.ReadFile(base + "/stat"); err == nil && procfs.ParseStat(b, &st) == nil && st.State == 'Z' && st.Threads > 1 {
		if _, tid := liveThread(root, pid); tid != 0 {
			dir = base + "/task/" + strconv.Itoa(tid) + "/fd"
			links, err = readLinks(dir, pid)
		}
	}
	return dir, links, err
}

// readLinks reads the links of the descriptor directory dir of pid.
func readLinks(dir string, pid int) (map[int]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, notFound(pid, err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("sysprims: %s: %w", dir, err)
	}
	out := make(map[int]string, len(names))
	for _, n := range names {
		fd, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if target, err := os.Readlink(dir + "/" + n); err == nil {
			out[fd] = target
		}
	}
	return out, nil
}

// BootID returns this boot's identifier (/proc/sys/kernel/random/boot_id):
// snapshots with different boot ids are not comparable.
func BootID() (string, error) {
	b, err := os.ReadFile(defaultRoot + "/sys/kernel/random/boot_id")
	if err != nil {
		return "", fmt.Errorf("sysprims: boot id: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// namespaces returns the caller's pid and user namespaces as their
// /proc/self/ns links read; "" for one that cannot be read.
func namespaces() (pid, user string) {
	pid, _ = os.Readlink(defaultRoot + "/self/ns/pid")
	user, _ = os.Readlink(defaultRoot + "/self/ns/user")
	return pid, user
}

// LastPID returns the pid most recently allocated in the caller's pid
// namespace (/proc/sys/kernel/ns_last_pid). Pids are allocated in
// increasing order until they wrap at the kernel's pid_max, so every
// process created after a process P has a pid in (P, LastPID()] unless the
// counter wrapped.
func LastPID() (int, error) {
	f, err := os.Open(defaultRoot + "/sys/kernel/ns_last_pid")
	if err != nil {
		return 0, fmt.Errorf("sysprims: last pid: %w", err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	n, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0, fmt.Errorf("sysprims: last pid: %w", err)
	}
	return n, nil
}

// notFound maps a vanished process to an error wrapping ErrNotFound.
func notFound(pid int, err error) error {
	if os.IsNotExist(err) {
		return processErr(pid, ErrNotFound)
	}
	return processErr(pid, err)
}

// execPending reports whether pid is in the middle of execve: it already
// bears its new name, but its new environment is not laid out yet. The
// kernel sets end_code (field 27 of /proc/PID/stat) in the new image only
// after it has laid out argv and the environment, so 0 there means the
// image is not complete; env_end alone does not say so, since the kernel
// sets it to env_start before it walks the environment strings, which
// then reads as empty. A process given an empty environment (env -i) has
// an end_code, so it is not pending. A process we may not inspect, a
// kernel thread and one past exit_mm have no environment to open, and
// are not pending either.
func execPending(pid int) bool {
	dir := defaultRoot + "/" + strconv.Itoa(pid)
	if f, err := os.Open(dir + "/environ"); err != nil {
		return false
	} else {
		f.Close()
	}
	b, err := os.ReadFile(dir + "/stat")
	return err == nil && endCodeZero(b)
}

// endCodeZero reports whether end_code, field 27 of a /proc/PID/stat
// line, is 0.
func endCodeZero(stat []byte) bool {
	var st procStat
	if procfs.ParseStat(stat, &st) != nil {
		return false
	}
	v, ok := st.Field(procfs.FieldEndCode)
	return ok && v == 0
}

// ThreadGroup returns the id of the process that thread id tid belongs
// to (the Tgid line of /proc/TID/status): tid itself for a process's main
// thread, another pid for any other thread. /proc answers for thread ids
// too, though it does not list them.
func ThreadGroup(tid int) (int, error) {
	b, err := os.ReadFile(defaultRoot + "/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return 0, notFound(tid, err)
	}
	line, _ := procfs.StatusField(b, "Tgid")
	tgid, err := strconv.Atoi(string(line))
	if err != nil {
		return 0, fmt.Errorf("sysprims: process %d: Tgid %q: %w", tid, line, err)
	}
	return tgid, nil
}
