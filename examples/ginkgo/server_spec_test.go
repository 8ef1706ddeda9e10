package ginkgo_test

import (
	"io"
	"net/http"
	"runtime"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"

	. "github.com/3leaps/sysprims-go/matchers"
	"github.com/3leaps/sysprims-go/process"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

var _ = Describe("a server with workers", func() {
	var (
		server *sysprimstest.Process
		addr   string
		before []process.Info
	)

	BeforeEach(func() {
		if runtime.GOOS != "linux" {
			Skip("the listening sockets of a tree are listed on Linux only")
		}
		SetDefaultEventuallyTimeout(20 * time.Second) // a -race binary starts slowly
		var err error
		before, err = sysprimstest.Snapshot()
		Expect(err).NotTo(HaveOccurred())

		server = sysprimstest.Start(GinkgoT(), command())
		// Cleanups run last-registered first: Stop, then the checks.
		DeferCleanup(func() {
			Expect(server).To(BeTreeKilled())
			Expect(server).To(HaveNoOrphanDescendants())
			Eventually(sysprimstest.Snapshot).ShouldNot(HaveLeakedProcesses(before))
		})
		DeferCleanup(server.Stop)

		// Started on port 0: wait for the socket, and take its address
		// from it (no log line to parse, no sleep).
		var ln process.Listener
		Eventually(server).Should(ListenOn(process.ProtocolTCP, &ln))
		addr = ln.DialAddr()
	})

	It("answers over HTTP and runs its workers", func() {
		resp, err := http.Get("http://" + addr)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(body)).To(HavePrefix("server"))
		Expect(server).To(HaveDescendants(HaveLen(workers)))
		Expect(server).To(HaveNoOrphanDescendants())
	})

	It("is torn down whole, however its workers detached", func() {
		Expect(server.Stop()).To(BeTreeKilled())
		Expect(server).To(HaveDescendants(BeEmpty()))
		Expect(server).NotTo(HaveExitCode(0)) // stopped, not finished
	})

	It("names the workers a crashed server leaves behind", func() {
		server.Kill() // the root alone, as gexec's Session.Kill
		Eventually(server.Exited()).Should(BeClosed())
		Expect(server).To(gexec.Exit(128 + int(syscall.SIGKILL))) // gexec's reading
		Expect(server).To(HaveBeenKilledBy(syscall.SIGKILL))      // the exact one
		Expect(server).NotTo(HaveNoOrphanDescendants())
		Eventually(sysprimstest.Snapshot).Should(HaveLeakedProcesses(before))

		server.Stop()
		Expect(server).To(HaveNoOrphanDescendants())
	})
})
