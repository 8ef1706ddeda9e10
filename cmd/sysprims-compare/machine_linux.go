package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/3leaps/sysprims-go/fixtures"
	"github.com/3leaps/sysprims-go/internal/platform"
	"github.com/3leaps/sysprims-go/sysprimstest"
)

// Machine describes where the numbers came from.
type Machine struct {
	Kernel      string `json:"kernel"`
	CPUs        int    `json:"cpus"`
	Go          string `json:"go"`
	Timeout     string `json:"gnu_timeout,omitempty"`
	Cgroup2     string `json:"cgroup2_mount,omitempty"`
	Mechanism   string `json:"sysprims_mechanism"`
	Reliability string `json:"sysprims_reliability"`
	// Available lists the mechanisms sysprims-go found usable, strongest
	// first; Notes say why others are missing.
	Available []string `json:"sysprims_available"`
	Notes     []string `json:"sysprims_notes,omitempty"`
	// LoadStart and LoadEnd are the 1-minute load averages when the run
	// began and ended: timings from a busy machine are not comparable.
	LoadStart float64 `json:"load_start"`
	LoadEnd   float64 `json:"load_end"`
}

// loadAvg returns the 1-minute load average, or -1.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// probeMachine describes this machine, taking the mechanism sysprims used
// from the cells, or from one run of a trivial command when none ran.
func probeMachine(cells []Cell, load float64) Machine {
	m := Machine{LoadStart: load, LoadEnd: loadAvg(), Kernel: kernel(), CPUs: runtime.NumCPU(), Go: runtime.Version(),
		Timeout: timeoutVersion(), Cgroup2: cgroup2Mount()}
	caps := platform.Probe()
	for _, mech := range caps.Mechanisms {
		m.Available = append(m.Available, string(mech))
	}
	m.Notes = caps.Notes
	for _, c := range cells {
		if c.Mechanism != "" {
			m.Mechanism, m.Reliability = c.Mechanism, c.Reliability
			return m
		}
	}
	m.Mechanism, m.Reliability = probeMechanism()
	return m
}

func kernel() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return "Linux " + unix.ByteSliceToString(u.Release[:])
}

// timeoutVersion is the first line of `timeout --version`, or "".
var timeoutVersion = sync.OnceValue(func() string {
	out, err := exec.Command("timeout", "--version").Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return line
})

// cgroup2Mount is the mount point of the cgroup v2 hierarchy, or "".
func cgroup2Mount() string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		for i, x := range f {
			if x == "-" && i+1 < len(f) && f[i+1] == "cgroup2" && len(f) > 4 {
				return f[4]
			}
		}
	}
	return ""
}

// probeMechanism runs the trivial "exit" fixture through sysprims once.
func probeMechanism() (string, string) {
	tb := sysprimstest.NewRecorder("compare/probe")
	res := sysprimstest.Run(tb, 10*time.Second, fixtures.Command("exit"))
	return string(res.Mechanism), string(res.Reliability)
}
