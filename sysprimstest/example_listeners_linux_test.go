package sysprimstest_test

import (
	"fmt"
	"net"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// A server started on port 0 is reached through the port its tree
// listens on, not through its log. (The "listen" fixture opens a TCP
// socket on a free loopback port and says "ready"; a spec would rather
// wait with Eventually(srv).Should(matchers.ListenOn(...)). A test binary
// that starts fixtures calls fixtures.Main first in its TestMain.)
func ExampleProcess_Listeners() {
	t := sysprimstest.NewRecorder("TestServer")
	defer t.Close()

	srv := sysprimstest.Start(t, fixtures.Command("listen", "tcp4"))
	select {
	case <-srv.Buffer().Detect("ready"):
	case <-srv.Exited(): // a server that fails to start must not hang the test
	}
	srv.Buffer().CancelDetects()

	ls, err := srv.Listeners()
	if err != nil || len(ls) != 1 {
		fmt.Println(ls, err)
		return
	}
	conn, err := net.Dial("tcp", ls[0].DialAddr())
	if err != nil {
		fmt.Println(err)
		return
	}
	conn.Close()
	fmt.Printf("%s on %s, held by the root: %v\n", ls[0].Protocol, ls[0].Address, ls[0].PID == srv.Pid())
	// Output:
	// tcp on 127.0.0.1, held by the root: true
}
