package proc

import (
	"os"
	"strings"
)

// Origin says where and by whom a snapshot was taken. A pid and a start
// time name the same process only within one boot of one machine and one
// pid namespace, and a snapshot holds only the processes its taker could
// see: two snapshots are comparable only when their origins match.
// Fields the system cannot tell are empty.
type Origin struct {
	// BootID is this boot's identifier (Linux: [BootID]).
	BootID string `json:"boot_id,omitempty"`
	// MachineID is /etc/machine-id (or /var/lib/dbus/machine-id) when
	// the system has one.
	MachineID string `json:"machine_id,omitempty"`
	// PIDNamespace and UserNamespace name the taker's namespaces as
	// their /proc/self/ns links read ("pid:[4026531836]"; Linux).
	PIDNamespace  string `json:"pid_namespace,omitempty"`
	UserNamespace string `json:"user_namespace,omitempty"`
	// UID is the taker's effective uid; -1 where the system has none
	// (Windows).
	UID int `json:"uid"`
}

// CurrentOrigin returns the origin of a snapshot the caller takes now.
func CurrentOrigin() Origin {
	o := Origin{UID: os.Geteuid(), MachineID: machineID()}
	o.BootID, _ = BootID()
	o.PIDNamespace, o.UserNamespace = namespaces()
	return o
}

// machineID reads the machine id files of systemd and D-Bus; "" when
// neither exists.
func machineID() string {
	for _, path := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		if b, err := os.ReadFile(path); err == nil {
			if id := strings.TrimSpace(string(b)); id != "" {
				return id
			}
		}
	}
	return ""
}
