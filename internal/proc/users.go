package proc

import (
	"bufio"
	"bytes"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// userCache names uids for one snapshot. It reads a passwd file once, on
// first use, and falls back to os/user for the live system (directory
// services) and to the decimal uid.
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
		if u, err := user.LookupId(n); err == nil {
			n = u.Username
		}
	}
	c.names[uid] = n
	return n
}

// readPasswd maps uids to names from a passwd(5) file; a missing or
// unreadable file gives an empty map.
func readPasswd(path string) map[int]string {
	names := make(map[int]string)
	f, err := os.Open(path)
	if err != nil {
		return names
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
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
