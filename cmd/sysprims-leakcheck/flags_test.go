package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/3leaps/sysprims-go/internal/proc"
)

// runArgs runs the CLI in process and returns its exit code and outputs.
func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	notJSON := writeFile(t, dir, "notjson", "{nope")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "missing subcommand"},
		{"unknown subcommand", []string{"frob"}, `unknown subcommand "frob"`},
		{"unknown flag", []string{"run", "--frob", "--", "true"}, "flag provided but not defined: -frob"},
		{"bad duration", []string{"run", "--timeout", "soon", "--", "true"}, "not a duration"},
		{"negative duration", []string{"run", "--grace", "-1s", "--", "true"}, "negative duration"},
		{"zero grace", []string{"run", "--grace", "0s", "--", "true"}, "--grace must be positive"},
		{"unknown signal", []string{"run", "--signal", "FOO", "--", "true"}, `unknown signal "FOO"`},
		{"run stop signal", []string{"run", "--signal", "STOP", "--", "true"}, "SIGSTOP does not end a process"},
		{"check stop signal", []string{"check", "--baseline", notJSON, "--kill", "--signal", "STOP"}, "SIGSTOP does not end a process"},
		{"check cont signal", []string{"check", "--baseline", notJSON, "--kill", "--signal", "cont"}, "SIGCONT does not end a process"},
		{"check tstp signal", []string{"check", "--baseline", notJSON, "--kill", "--signal", "20"}, "SIGTSTP does not end a process"},
		{"bad format", []string{"run", "--format", "xml", "--", "true"}, "want text, json or github"},
		{"missing command", []string{"run", "--timeout", "1s"}, "missing command"},
		{"missing command after dashes", []string{"run", "--"}, "missing command"},
		{"check without baseline", []string{"check"}, "--baseline FILE is required"},
		{"check stray argument", []string{"check", "--baseline", notJSON, "extra"}, `unexpected argument "extra"`},
		{"check bad marker", []string{"check", "--baseline", notJSON, "--marker", "HOME=x"}, "want SYSPRIMS_KEY"},
		{"check missing baseline file", []string{"check", "--baseline", filepath.Join(dir, "absent")}, "no such file"},
		{"check malformed baseline", []string{"check", "--kill", "--baseline", notJSON}, "not a process snapshot"},
		{"check bad grace", []string{"check", "--baseline", notJSON, "--grace", "x"}, "not a duration"},
		{"snapshot stray argument", []string{"snapshot", "extra"}, `unexpected argument "extra"`},
		{"snapshot unknown flag", []string{"snapshot", "--yaml"}, "flag provided but not defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runArgs(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, errs)
			}
			if !strings.Contains(errs, tc.want) {
				t.Errorf("stderr %q does not contain %q", errs, tc.want)
			}
			if n := strings.Count(errs, "\n"); n != 1 || !strings.HasPrefix(errs, progName+": ") {
				t.Errorf("stderr is not one line prefixed %q: %q", progName, errs)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"run", "-h"}, {"check", "--help"}, {"snapshot", "-h"}} {
		code, out, _ := runArgs(t, args...)
		if code != exitOK || !strings.Contains(out, "exit codes:") || !strings.Contains(out, "124") || !strings.Contains(out, reportSchemaID) {
			t.Errorf("%v: exit %d, usage %q", args, code, out)
		}
	}
}

func TestParseRun(t *testing.T) {
	o, err := parseRun([]string{"--timeout", "1.5s", "--grace", "300ms", "--signal", "int", "--format", "json", "--output", "r.json", "--", "go", "test", "--", "x"})
	if err != nil {
		t.Fatal(err)
	}
	if o.timeout != 1500*time.Millisecond || o.grace != 300*time.Millisecond || o.sig != syscall.SIGINT || o.format != formatJSON || o.output != "r.json" {
		t.Errorf("parsed %+v", o)
	}
	if got := strings.Join(o.argv, " "); got != "go test -- x" {
		t.Errorf("argv %q", got)
	}
	o, err = parseRun([]string{"sleep", "1"})
	if err != nil || o.timeout != 0 || o.sig != syscall.SIGTERM || o.format != formatText || len(o.argv) != 2 {
		t.Errorf("defaults: %+v %v", o, err)
	}
}

func TestParseCheck(t *testing.T) {
	o, err := parseCheck([]string{"--baseline", "b.json", "--kill", "--grace", "1s", "--signal", "9",
		"--marker", "SYSPRIMS_RUN_ID=abc", "--marker", "SYSPRIMS_TEST", "--format", "github"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.kill || o.grace != time.Second || o.sig != syscall.SIGKILL || o.format != formatGitHub || len(o.markers) != 2 {
		t.Errorf("parsed %+v", o)
	}
	if m := o.markers[0]; m.key != "SYSPRIMS_RUN_ID" || m.value != "abc" || m.anyValue {
		t.Errorf("marker 0 %+v", m)
	}
	if m := o.markers[1]; m.key != "SYSPRIMS_TEST" || !m.anyValue {
		t.Errorf("marker 1 %+v", m)
	}
}

func TestFlagValueStrings(t *testing.T) {
	var d time.Duration = time.Second
	var s syscall.Signal
	var f format = formatJSON
	var l = []string{"a", "b"}
	if (durationFlag{&d}).String() != "1s" || (durationFlag{}).String() != "0s" {
		t.Error("durationFlag.String")
	}
	if (signalFlag{&s}).String() != "SIGTERM" || (signalFlag{}).String() != "SIGTERM" {
		t.Error("signalFlag.String")
	}
	if (formatFlag{&f}).String() != "json" || (formatFlag{}).String() != "text" {
		t.Error("formatFlag.String")
	}
	if (listFlag{&l}).String() != "a,b" || (listFlag{}).String() != "" {
		t.Error("listFlag.String")
	}
}

func TestOpenOutput(t *testing.T) {
	var def bytes.Buffer
	out, err := openOutput("-", &def)
	if err != nil || out.w != &def || out.fd() != -1 || out.begin() != nil || out.close() != nil {
		t.Fatalf("'-': %v", err)
	}
	out.discard()
	path := filepath.Join(t.TempDir(), "r.txt")
	out, err = openOutput(path, &def)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.begin(); err != nil {
		t.Fatal(err)
	}
	if _, err := out.w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := out.close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "x" {
		t.Errorf("file holds %q", b)
	}
	if _, err := openOutput(filepath.Join(path, "sub"), &def); err == nil {
		t.Error("no error for an impossible output path")
	}
}

// A report replaces what an existing file held; a run with no report
// removes only a file it created: an existing file, a symlink and what it
// points to (here /dev/null, which run once removed as root) stay as they
// were.
func TestOpenOutputDiscard(t *testing.T) {
	dir := t.TempDir()
	existing := writeFile(t, dir, "old.json", "previous report")
	link := filepath.Join(dir, "null")
	if err := os.Symlink(os.DevNull, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		keep       bool
	}{
		{"new file", filepath.Join(dir, "new.json"), false},
		{"existing file", existing, true},
		{"symlink to a device", link, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var def bytes.Buffer
			out, err := openOutput(tc.path, &def)
			if err != nil {
				t.Fatal(err)
			}
			out.discard()
			_, err = os.Lstat(tc.path)
			if kept := err == nil; kept != tc.keep {
				t.Errorf("after discard: %v; want kept=%v", err, tc.keep)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "previous report" {
		t.Errorf("a discarded output changed an existing file: %q", b)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Errorf("%s: %v %v", os.DevNull, fi, err)
	}
	out, err := openOutput(existing, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.begin(); err != nil {
		t.Fatal(err)
	}
	if _, err := out.w.Write([]byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := out.close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "{}" {
		t.Errorf("a report over an existing file left %q", b)
	}
	out, err = openOutput(link, nil)
	if err != nil || out.begin() != nil || out.close() != nil {
		t.Errorf("a report to a device through a symlink: %v", err)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsageListsEveryFilterKey(t *testing.T) {
	for _, k := range proc.FilterKeys() {
		if !strings.Contains(usageText, k) {
			t.Errorf("usage does not mention filter key %q", k)
		}
	}
}
