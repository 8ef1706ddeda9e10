package main

import (
	"encoding/json"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestSnapshotPortsE2E lists this test's own listening socket, by the
// binary, as JSON that validates against its schema and as text; with a
// filter only the kept processes' sockets are listed.
func TestSnapshotPortsE2E(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	self := strconv.Itoa(os.Getpid())

	r := runBin(t, nil, "snapshot", "--ports", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if err := loadSchema(t, "ports-snapshot.schema.json").Validate([]byte(r.stdout)); err != nil {
		t.Errorf("ports listing does not match its schema: %v\n%s", err, r.stdout)
	}
	var doc struct {
		SchemaID  string `json:"schema_id"`
		Listeners []struct {
			Protocol string   `json:"protocol"`
			Addr     string   `json:"local_addr"`
			Port     int      `json:"local_port"`
			PID      int      `json:"pid"`
			Cmdline  []string `json:"cmdline"`
		} `json:"listeners"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range doc.Listeners {
		if l.Port == port && l.Protocol == "tcp" && l.Addr == "127.0.0.1" && l.PID == os.Getpid() && len(l.Cmdline) > 0 {
			found = true
		}
	}
	if doc.SchemaID != portsSchemaID || !found {
		t.Errorf("no tcp 127.0.0.1:%d of pid %s in\n%s", port, self, r.stdout)
	}

	r = runBin(t, nil, "snapshot", "--ports", "--filter", "pid_in="+self)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	want := "tcp   127.0.0.1 " + strconv.Itoa(port) + " " + self + " "
	if r.code != 0 || len(lines) < 2 || !strings.HasPrefix(lines[0], "PROTO ") || !strings.Contains(r.stdout, want) {
		t.Errorf("text listing, exit %d, want a row %q:\n%s", r.code, want, r.stdout)
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, " "+self+" ") {
			t.Errorf("--filter pid_in=%s listed another process's socket: %q", self, l)
		}
	}
}

// TestPortsSchemaRejects makes sure the schema fails wrong listings.
func TestPortsSchemaRejects(t *testing.T) {
	s := loadSchema(t, "ports-snapshot.schema.json")
	head := `{"schema_id":"` + portsSchemaID + `","timestamp":"2025-01-01T00:00:00Z","origin":{"uid":0},"listeners":`
	for _, b := range []string{
		`{}`,
		head + `[{"protocol":"sctp","local_addr":"127.0.0.1","local_port":80}]}`,
		head + `[{"protocol":"tcp","local_addr":"localhost","local_port":80}]}`,
		head + `[{"protocol":"tcp","local_addr":"::1","local_port":0}]}`,
		head + `[{"protocol":"tcp","local_addr":"::1","local_port":80,"pid":0}]}`,
		head + `[{"protocol":"tcp","local_addr":"::1","local_port":80,"colour":"blue"}]}`,
	} {
		if err := s.Validate([]byte(b)); err == nil {
			t.Errorf("schema accepted %s", b)
		}
	}
	if err := s.Validate([]byte(head + `[{"protocol":"udp","local_addr":"::","local_port":53,"pid":7,"name":"dns","cmdline":["dns"]}]}`)); err != nil {
		t.Errorf("schema rejected a good listing: %v", err)
	}
}
