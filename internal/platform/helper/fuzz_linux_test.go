package helper

import (
	"os"
	"strings"
	"testing"
)

// FuzzCgroup2Mount checks the mountinfo reader against a reference (the
// fifth field of the first line whose filesystem type, after " - ", is
// cgroup2), and that unescapeMount undoes the kernel's escapes of any
// path.
func FuzzCgroup2Mount(f *testing.F) {
	b, err := os.ReadFile("testdata/mountinfo") // a recorded /proc/self/mountinfo
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("21 26 0:20 / /proc rw,relatime - proc proc rw\n" +
		"30 26 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"))
	f.Add([]byte("30 26 0:26 / /a\\040b\\134c\\011\\012\\777 rw - cgroup2 cgroup2 rw\n"))
	f.Add([]byte("30 26 0:26 / /x rw - cgroup cgroup rw\n1 2 3 4 /y - cgroup2\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 32<<10 {
			return // a longer line ends bufio.Scanner's reading
		}
		got := cgroup2Mount(strings.NewReader(string(b)))
		want := ""
		for _, line := range strings.Split(string(b), "\n") {
			pre, post, ok := strings.Cut(strings.TrimSuffix(line, "\r"), " - ")
			fields, fs := strings.Fields(pre), strings.Fields(post)
			if ok && len(fields) >= 5 && len(fs) >= 1 && fs[0] == "cgroup2" {
				want = unescapeMount(fields[4])
				break
			}
		}
		if got != want {
			t.Fatalf("cgroup2Mount(%q) = %q, want %q", b, got, want)
		}
		if back := unescapeMount(escapeMount(string(b))); back != string(b) {
			t.Fatalf("unescapeMount(escapeMount(%q)) = %q", b, back)
		}
	})
}

// escapeMount escapes a path as the kernel writes it in mountinfo: blank,
// tab, newline and backslash as three octal digits.
func escapeMount(s string) string {
	return strings.NewReplacer(" ", `\040`, "\t", `\011`, "\n", `\012`, `\`, `\134`).Replace(s)
}
