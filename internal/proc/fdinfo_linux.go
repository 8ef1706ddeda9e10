package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// FileFlags returns the open flags of descriptor fd of pid (the octal
// "flags:" line of /proc/PID/fdinfo/FD): O_ACCMODE of them says whether
// it reads, writes or both.
func FileFlags(pid, fd int) (int, error) {
	b, err := os.ReadFile(defaultRoot + "/" + strconv.Itoa(pid) + "/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0, notFound(pid, err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("flags:")); ok {
			n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 8, 64)
			return int(n), err
		}
	}
	return 0, fmt.Errorf("sysprims: fdinfo of fd %d of process %d has no flags", fd, pid)
}
