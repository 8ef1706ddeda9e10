package sysprimstest_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/3leaps/sysprims-go/sysprimstest"
)

// A file the test opened and never closed fails it, named. In a test,
// pass t (or use VerifyTestMain(m, WithDescriptors()) for the package).
func ExampleWithDescriptors() {
	t := sysprimstest.NewRecorder("TestLeaky")
	sysprimstest.VerifyNoLeaks(t, sysprimstest.WithDescriptors())

	f, err := os.Open(os.DevNull) // never closed by the test
	if err != nil {
		fmt.Println(err)
		return
	}
	report := t.Close() // the end of the test: its cleanups run
	f.Close()

	fdNumber := regexp.MustCompile(`fd \d+`)
	for _, line := range strings.Split(report, "\n") {
		fmt.Println(fdNumber.ReplaceAllString(strings.TrimSpace(line), "fd N"))
	}
	// Output:
	// sysprims: 1 file descriptor(s) opened by TestLeaky were not closed:
	// fd N: file /dev/null (read-only)
}
