//go:build !linux

package platform

// ownLeaves returns "": cgroup leaves are Linux only.
func ownLeaves() string { return "" }

// inLeaf reports false: there are no cgroup leaves here.
func inLeaf(string, int) bool { return false }
