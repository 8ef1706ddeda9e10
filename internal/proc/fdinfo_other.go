//go:build !linux

package proc

// FileFlags is Linux only: it returns an error wrapping
// errors.ErrUnsupported.
func FileFlags(pid, fd int) (int, error) { return 0, errNoLinks }
