package proc

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// userCache names uids for one snapshot. It reads a passwd file once, on
// first use; for the live system it then asks the platform's directory
// service where that needs no cgo ([lookupUser]: macOS), and falls back to
// the decimal uid. On Linux that keeps the binaries static: a user known
// only to NSS (LDAP, sssd) is shown by uid.
type userCache struct {
	passwd string
	live   bool
	names  map[int]string
}

func newUserCache(passwd string, live bool) *userCache {
	return &userCache{passwd: passwd, live: live}
}

// passwdPath is the passwd file that goes with a proc root: /etc/passwd
// for the system, <root>/../etc/passwd for a recorded tree.
func passwdPath(root string) string {
	if root == "" || root == "/proc" {
		return "/etc/passwd"
	}
	return filepath.Join(filepath.Dir(filepath.Clean(root)), "etc", "passwd")
}

// name returns the user name of uid.
func (c *userCache) name(uid int) string {
	if c.names == nil {
		c.names = readPasswd(c.passwd)
	}
	if n, ok := c.names[uid]; ok {
		return n
	}
	n := strconv.Itoa(uid)
	if c.live {
		if name, ok := lookupUser(n); ok {
			n = name
		}
	}
	c.names[uid] = n
	return n
}

// readPasswd maps uids to names from a passwd(5) file; a missing or
// unreadable file gives an empty map.
func readPasswd(path string) map[int]string {
	f, err := os.Open(path)
	if err != nil {
		return make(map[int]string)
	}
	defer f.Close()
	return parsePasswd(f)
}

// parsePasswd maps uids to names from the lines of a passwd(5) file; the
// first name given a uid wins.
func parsePasswd(r io.Reader) map[int]string {
	names := make(map[int]string)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := bytes.SplitN(sc.Bytes(), []byte(":"), 4)
		if len(fields) < 4 || len(fields[0]) == 0 || fields[0][0] == '#' {
			continue
		}
		uid, err := strconv.Atoi(string(fields[2]))
		if _, dup := names[uid]; err == nil && !dup {
			names[uid] = string(fields[0])
		}
	}
	return names
}
