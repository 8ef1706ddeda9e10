package proc

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
)

// errNoChildrenFiles reports a kernel built without CONFIG_PROC_CHILDREN.
var errNoChildrenFiles = errors.New("sysprims: no /proc/PID/task/TID/children files")

// hasChildrenFiles reports whether the running kernel has the children
// files (CONFIG_PROC_CHILDREN), probed once.
var hasChildrenFiles = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/thread-self/children")
	return err == nil
})

// childrenOf lists the children of pid from the children file of every
// thread, falling back to one snapshot when the kernel has no such files.
func childrenOf(root string, pid int) ([]int, error) {
	kids, err := childrenFiles(root, pid)
	if errors.Is(err, errNoChildrenFiles) {
		snap, serr := Snapshot(Options{Root: root})
		if serr != nil {
			return nil, serr
		}
		return childrenInSnapshot(snap, pid)
	}
	return kids, err
}

// childrenFiles reads <root>/pid/task/*/children. It returns
// errNoChildrenFiles when the threads exist but none has the file.
func childrenFiles(root string, pid int) ([]int, error) {
	if root == defaultRoot && !hasChildrenFiles() {
		return nil, errNoChildrenFiles
	}
	taskDir := filepath.Join(root, strconv.Itoa(pid), "task")
	tasks, err := os.ReadDir(taskDir)
	if pid <= 0 || err != nil {
		return nil, processErr(pid, ErrNotFound)
	}
	var kids []int
	read := 0
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join(taskDir, t.Name(), "children"))
		if err != nil {
			continue // the thread exited, or the kernel has no children files
		}
		read++
		kids = procfs.AppendPIDs(kids, b)
	}
	if read == 0 {
		return nil, errNoChildrenFiles
	}
	slices.Sort(kids)
	return slices.Compact(kids), nil
}

// treePIDs walks the children files breadth first from pid; descendants
// that exit during the walk are skipped.
func treePIDs(root string, pid int) ([]int, error) {
	first, err := childrenFiles(root, pid)
	if errors.Is(err, errNoChildrenFiles) {
		snap, serr := Snapshot(Options{Root: root})
		if serr != nil {
			return nil, serr
		}
		return treeInSnapshot(snap, pid)
	}
	if err != nil {
		return nil, err
	}
	return walkChildren(root, pid, first), nil
}

// walkChildren extends [pid, first...] breadth first.
func walkChildren(root string, pid int, first []int) []int {
	out := append([]int{pid}, first...)
	seen := map[int]bool{pid: true}
	for _, c := range first {
		seen[c] = true
	}
	for i := 1; i < len(out); i++ {
		kids, err := childrenFiles(root, out[i])
		if err != nil {
			continue
		}
		for _, c := range kids {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}
