//go:build !linux

package platform

// ServeHelper does nothing: helper processes exist on Linux only.
func ServeHelper() {}
