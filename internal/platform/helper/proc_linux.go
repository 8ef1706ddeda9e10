package helper

import (
	"os"
	"strconv"
	"syscall"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
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
		if b, err := os.ReadFile(dir + "/" + tid + "/children"); err == nil {
			out = procfs.AppendPIDs(out, b)
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

// readStat reads the parent and process group of pid from
// /proc/PID/stat with one read.
func readStat(pid int) (ppid, pgid int64, ok bool) {
	fd, err := syscall.Open("/proc/"+strconv.Itoa(pid)+"/stat", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, 0, false
	}
	var buf [512]byte
	n, err := syscall.Read(fd, buf[:])
	syscall.Close(fd)
	if err != nil || n <= 0 {
		return 0, 0, false
	}
	var st procfs.Stat
	if procfs.ParseStat(buf[:n], &st) != nil {
		return 0, 0, false
	}
	return st.PPID, st.PGRP, true
}
