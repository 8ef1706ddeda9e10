//go:build linux

package platform

import (
	"os"
	"strconv"
	"strings"
)

// childrenOf lists the children of pid from every
// /proc/PID/task/TID/children file (O(children)).
func childrenOf(pid int) []int {
	dir := procRoot + "/" + strconv.Itoa(pid) + "/task"
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

// subtree lists every descendant of pid, walking children files (O(tree)).
func subtree(pid int) []int {
	var out []int
	queue := childrenOf(pid)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, p)
		queue = append(queue, childrenOf(p)...)
	}
	return out
}
