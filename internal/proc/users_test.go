package proc

import (
	"path/filepath"
	"testing"
)

// TestUserNamesFromPasswd reads testdata/users/passwd: comments, a second
// entry for uid 0 (the first names it, as getpwuid does), an NIS
// inclusion line, a short line and a bad uid.
func TestUserNamesFromPasswd(t *testing.T) {
	c := newUserCache(filepath.Join("testdata", "users", "passwd"), false)
	for uid, want := range map[int]string{0: "root", 1001: "sysprims", 4242: "4242"} {
		if got := c.name(uid); got != want {
			t.Errorf("name(%d) = %q, want %q", uid, got, want)
		}
	}
	if got := newUserCache(filepath.Join("testdata", "users", "absent"), false).name(0); got != "0" {
		t.Errorf("without a passwd file: %q", got)
	}
}
