//go:build !darwin

package proc

// lookupUser has no directory service to ask without cgo: os/user would
// link the C library into every binary, so names come from the passwd
// file alone.
func lookupUser(uid string) (string, bool) { return "", false }
