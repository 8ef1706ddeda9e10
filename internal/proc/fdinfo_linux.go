package proc

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/3leaps/sysprims-go/internal/platform/helper/procfs"
)

// FileFlags returns the open flags of descriptor fd of pid (the octal
// "flags:" line of /proc/PID/fdinfo/FD): O_ACCMODE of them says whether
// it reads, writes or both.
func FileFlags(pid, fd int) (int, error) {
	b, err := os.ReadFile(defaultRoot + "/" + strconv.Itoa(pid) + "/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0, notFound(pid, err)
	}
	flags, err := fdFlags(b)
	if err != nil {
		return 0, fmt.Errorf("sysprims: fdinfo of fd %d of process %d: %w", fd, pid, err)
	}
	return flags, nil
}

// fdFlags parses the "flags:\t0100002" line of an fdinfo file: open(2)
// flags in octal, which fit in 32 bits.
func fdFlags(b []byte) (int, error) {
	v, ok := procfs.StatusField(b, "flags")
	if !ok {
		return 0, errors.New("no flags line")
	}
	n, err := strconv.ParseUint(string(v), 8, 32)
	if err != nil {
		return 0, fmt.Errorf("flags: %w", err)
	}
	return int(n), nil
}
