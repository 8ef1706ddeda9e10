package ginkgo_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"

	"github.com/3leaps/sysprims-go/fixtures"
)

// The example server and its workers are fixtures: programs run by
// re-executing this test binary, entered through fixtures.Main in TestMain.
func init() {
	fixtures.Register("example-server", server)
	fixtures.Register("example-worker", worker)
}

// workers is how many worker processes the server starts.
const workers = 2

// server starts its workers (the last one in a session of its own, as a
// worker that detaches would), then serves HTTP on a port the kernel
// picks (port 0). It prints nothing: the spec learns the address from the
// socket the tree listens on (matchers.ListenOn), which exists only once
// everything is up.
func server([]string) {
	var pids []int
	for i := range workers {
		pid, err := startWorker(i, i == workers-1)
		if err != nil {
			fatal(err)
		}
		pids = append(pids, pid)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "server %d workers %v\n", os.Getpid(), pids)
	})))
}

// startWorker starts worker i and waits until it says it is ready.
func startWorker(i int, detach bool) (int, error) {
	cmd := fixtures.Command("example-worker", strconv.Itoa(i))
	cmd.SysProcAttr = detachAttr(detach)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		return 0, fmt.Errorf("worker %d: %w", i, err)
	}
	return cmd.Process.Pid, nil
}

// worker says it is ready and then blocks until it is killed, as a
// worker that ignores its parent's death would.
func worker(args []string) {
	fmt.Println("worker ready", args)
	r, w, err := os.Pipe()
	if err != nil {
		fatal(err)
	}
	io.Copy(io.Discard, r) // never returns: this process holds w
	w.Close()
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "example:", err)
	os.Exit(1)
}

// command returns the command that starts the example server.
func command() *exec.Cmd { return fixtures.Command("example-server") }
