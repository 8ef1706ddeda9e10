package proc

import (
	"os"
	"path/filepath"
	"testing"
)

func TestUserNamesFromPasswd(t *testing.T) {
	passwd := filepath.Join(t.TempDir(), "passwd")
	data := "# comment\n" +
		"root:x:0:0:root:/root:/bin/bash\n" +
		"toor:x:0:0:second root:/root:/bin/sh\n" + // the first entry of a uid names it, as getpwuid does
		"sysprims:x:1001:1001::/home/sysprims:/bin/sh\n" +
		"+::::::\n" + // NIS inclusion: not a user
		"broken:x\n" +
		"odd:x:notanumber:1::/:/bin/sh\n"
	if err := os.WriteFile(passwd, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newUserCache(passwd, false)
	for uid, want := range map[int]string{0: "root", 1001: "sysprims", 4242: "4242"} {
		if got := c.name(uid); got != want {
			t.Errorf("name(%d) = %q, want %q", uid, got, want)
		}
	}
	if got := newUserCache(filepath.Join(t.TempDir(), "absent"), false).name(0); got != "0" {
		t.Errorf("without a passwd file: %q", got)
	}
}
