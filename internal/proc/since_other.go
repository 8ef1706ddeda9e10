//go:build !linux

package proc

// Since is Linux only: it returns an error wrapping errors.ErrUnsupported.
func Since(id Identity, gone []int) ([]ProcessInfo, error) { return nil, errNoLinks }
