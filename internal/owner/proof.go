package owner

// Proof is why a process is ours to signal.
type Proof int

// The proofs, weakest first. Only a kernel-backed fact or the user's own
// words count; a marker or a baseline alone is [NoProof].
const (
	// NoProof: the process may be reported, never signalled.
	NoProof Proof = iota
	// Named: the user named it, as a pid or as the tree below a named pid
	// (found by the kernel's parent links while the tree is stopped).
	Named
	// Descendant: it descends from the caller by the kernel's parent
	// links, checked again by identity when it is signalled.
	Descendant
	// Spawned: an identity (pidfd, or pid and start time) taken when this
	// process started it.
	Spawned
	// Container: a member of a container this process created; that
	// container, not a scan, signals it.
	Container
)

// String names the proof in messages.
func (p Proof) String() string {
	switch p {
	case Named:
		return "named by the caller"
	case Descendant:
		return "a descendant of the caller"
	case Spawned:
		return "started by the caller"
	case Container:
		return "a member of the caller's container"
	}
	return "not provably the caller's"
}
