package signal

import "syscall"

// table is the small set of signals Windows programs can be asked for.
var table = []Info{
	{"SIGINT", int(syscall.SIGINT)},
	{"SIGKILL", int(syscall.SIGKILL)},
	{"SIGTERM", int(syscall.SIGTERM)},
}

func byName(upper string) (syscall.Signal, bool) {
	for _, in := range table {
		if in.Name == upper {
			return syscall.Signal(in.Number), true
		}
	}
	return 0, false
}

func name(sig syscall.Signal) string {
	for _, in := range table {
		if in.Number == int(sig) {
			return in.Name
		}
	}
	return ""
}

func all() []syscall.Signal {
	out := make([]syscall.Signal, len(table))
	for i, in := range table {
		out[i] = syscall.Signal(in.Number)
	}
	return out
}

func terminating(sig syscall.Signal) bool { return name(sig) != "" }

// ownGroup returns 0: Windows has no process groups to protect.
func ownGroup() int { return 0 }

// sigCONT follows a polite signal ([SendPolite]). Windows has no SIGCONT;
// its number is the Linux one and sending it is unsupported.
const sigCONT = syscall.Signal(18)
