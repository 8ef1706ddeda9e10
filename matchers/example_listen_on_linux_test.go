package matchers_test

import (
	"fmt"
	"net"
	"time"

	"github.com/onsi/gomega"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// A server started on port 0 is waited for, and reached, through the
// socket its tree listens on: no readiness line, no log parsing, no sleep.
// (The "listen" fixture is the server; a test binary that starts fixtures
// calls fixtures.Main first in its TestMain.)
func ExampleListenOn() {
	t := sysprimstest.NewRecorder("TestServer")
	defer t.Close()
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	srv := sysprimstest.Start(t, fixtures.Command("listen", "tcp"))
	var ln process.Listener
	g.Eventually(srv).WithTimeout(20 * time.Second).Should(matchers.ListenOn(process.ProtocolTCP, &ln))
	conn, err := net.Dial("tcp", ln.DialAddr())
	if err != nil {
		fmt.Println(err)
		return
	}
	conn.Close()
	fmt.Println("reached", ln.Protocol, "on every address:", ln.Address.IsUnspecified())
	// Output:
	// reached tcp on every address: true
}
