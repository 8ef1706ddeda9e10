package helper

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Children lists the children of pid from every
// /proc/PID/task/TID/children file (a thread's own children each).
func Children(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	tids, _ := d.Readdirnames(-1)
	d.Close()
	var out []int
	for _, tid := range tids {
		b, err := os.ReadFile(dir + "/" + tid + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// Subtree lists every descendant of pid by walking children files.
func Subtree(pid int) []int {
	var out []int
	queue := Children(pid)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, p)
		queue = append(queue, Children(p)...)
	}
	return out
}

// stat is what the shim reads of one /proc/PID/stat.
type stat struct {
	ppid, pgid int
	gone       bool // zombie or dead
}

// readStat parses /proc/PID/stat with one read; comm ends at the last ')'.
func readStat(pid int) (stat, bool) {
	fd, err := syscall.Open("/proc/"+strconv.Itoa(pid)+"/stat", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return stat{}, false
	}
	var buf [512]byte
	n, err := syscall.Read(fd, buf[:])
	syscall.Close(fd)
	if err != nil || n <= 0 {
		return stat{}, false
	}
	return parseStat(string(buf[:n]))
}

func parseStat(s string) (stat, bool) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return stat{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return stat{}, false
	}
	st := stat{gone: f[0] == "Z" || f[0] == "X" || f[0] == "x"}
	var err1, err2 error
	st.ppid, err1 = strconv.Atoi(f[1])
	st.pgid, err2 = strconv.Atoi(f[2])
	return st, err1 == nil && err2 == nil
}
