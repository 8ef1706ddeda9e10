package proc

import "os/user"

// lookupUser names a uid through the directory service: on macOS most
// users are not in /etc/passwd, and os/user reaches libSystem without cgo.
func lookupUser(uid string) (string, bool) {
	u, err := user.LookupId(uid)
	if err != nil {
		return "", false
	}
	return u.Username, true
}
