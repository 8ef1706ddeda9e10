package proc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The fuzz targets of the parsers every system runs: environment blocks,
// passwd files, the macOS and Windows decoders, filters and snapshot
// documents.

// FuzzParseMarkers checks the environ parser against strings.Split and by
// a round trip through the block its markers make.
func FuzzParseMarkers(f *testing.F) {
	addFiles(f, "testdata/proc/*/environ")
	f.Add([]byte("HOME=/\x00SYSPRIMS_RUN_ID=r1\x00SYSPRIMS_TEST\x00XSYSPRIMS_A=1\x00SYSPRIMS_X=a=b"))
	f.Fuzz(func(t *testing.T, env []byte) {
		got := parseMarkers(env)
		var want map[string]string
		for _, kv := range strings.Split(string(env), "\x00") {
			if strings.HasPrefix(kv, MarkerPrefix) {
				k, v, _ := strings.Cut(kv, "=")
				if want == nil {
					want = map[string]string{}
				}
				want[k] = v
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("parseMarkers(%q) = %q, want %q", env, got, want)
		}
		var block []string
		for _, k := range slices.Sorted(maps.Keys(got)) {
			block = append(block, k+"="+got[k])
		}
		if again := markersFromEnv(block); !reflect.DeepEqual(again, got) {
			t.Fatalf("round trip of %q: %q", got, again)
		}
	})
}

// FuzzParsePasswd checks the passwd parser against a reference: the
// first valid line of each uid names it.
func FuzzParsePasswd(f *testing.F) {
	addFiles(f, "testdata/etc/passwd", "testdata/users/passwd")
	f.Add([]byte("root:x:0:0:root:/root:/bin/bash\r\n:x:1:1::/:\n#c:x:2:2\nu:x:+3:3\nv:x:3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 32<<10 {
			return // a longer line ends bufio.Scanner's reading
		}
		got := parsePasswd(bytes.NewReader(b))
		want := map[int]string{}
		for _, line := range strings.Split(string(b), "\n") {
			fields := strings.SplitN(strings.TrimSuffix(line, "\r"), ":", 4)
			if len(fields) < 4 || fields[0] == "" || fields[0][0] == '#' {
				continue
			}
			if uid, err := strconv.Atoi(fields[2]); err == nil {
				if _, dup := want[uid]; !dup {
					want[uid] = fields[0]
				}
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("parsePasswd(%q) = %v, want %v", b, got, want)
		}
	})
}

// FuzzProcArgs2 checks the macOS kern.procargs2 decoder: no result with
// a refusal, no NUL in what it returns, at most argc arguments, and a
// round trip through the buffer its result encodes to.
func FuzzProcArgs2(f *testing.F) {
	f.Add(append(procargs2(2, "/bin/sleep", 5, "sleep", "300", "HOME=/", "SYSPRIMS_TREE_ID=t1"), 0, 'x'))
	f.Add(procargs2(1, "/bin/true", 0, "true"))
	f.Add(procargs2(3, "/bin/x", 1, "x"))
	f.Add(procargs2(-1, "/x", 0))
	f.Add(procargs2(1<<30, "", 0, "", "", "A=1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pa, ok := parseProcArgs2(b)
		if !ok {
			if !reflect.DeepEqual(pa, procArgs{}) {
				t.Fatalf("parseProcArgs2(%q) = %+v with false", b, pa)
			}
			return
		}
		argc := int(int32(binary.NativeEndian.Uint32(b)))
		all := append(append([]string{pa.Exe}, pa.Args...), pa.Env...)
		if len(pa.Args) > argc || slices.ContainsFunc(all, func(s string) bool { return strings.Contains(s, "\x00") }) ||
			slices.Contains(pa.Env, "") {
			t.Fatalf("parseProcArgs2(%q) = %+v", b, pa)
		}
		markersFromEnv(pa.Env)
		if len(pa.Args) > 0 && pa.Args[0] == "" {
			return // an empty argv[0] reads as padding after the executable path
		}
		enc := append(procargs2(int32(len(pa.Args)), pa.Exe, 3, append(pa.Args, pa.Env...)...), 0)
		if again, ok := parseProcArgs2(enc); !ok || !reflect.DeepEqual(again, pa) {
			t.Fatalf("round trip of %+v through %q: %+v, %v", pa, enc, again, ok)
		}
	})
}

// toolhelpRecord is the size of one fuzzed Toolhelp entry: pid, ppid,
// threads (uint32 each), the creation FILETIME (uint64) and an 8-unit
// szExeFile.
const toolhelpRecord = 4 + 4 + 4 + 8 + 16

// FuzzToolhelp drives the pure half of the Windows snapshot with fuzzed
// PROCESSENTRY32W values: the name decodes to valid UTF-8 up to its NUL
// and encodes back, times convert exactly, and dropStaleParents only
// clears parents that started after their child.
func FuzzToolhelp(f *testing.F) {
	f.Add(toolhelpRecords(
		th{4, 0, 100, 1 << 56, "System"}, th{400, 4, 2, 133_000_000_000_000_000, "smss.exe"},
		th{500, 400, 1, 132_000_000_000_000_000, "orphan"}, th{501, 501, 1, 0, "self"}))
	f.Add([]byte("\xff\xff\xff\xff\x01\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00\xd8a\x00\x00\xdc\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ps []ProcessInfo
		for ; len(b) >= toolhelpRecord && len(ps) < 64; b = b[toolhelpRecord:] {
			e := toolhelpEntry{PID: binary.LittleEndian.Uint32(b), PPID: binary.LittleEndian.Uint32(b[4:]),
				Threads: binary.LittleEndian.Uint32(b[8:])}
			for i := 20; i < toolhelpRecord; i += 2 {
				e.ExeFile = append(e.ExeFile, binary.LittleEndian.Uint16(b[i:]))
			}
			p := e.info()
			checkToolhelpName(t, e.ExeFile, p.Name)
			if p.PID != int(e.PID) || p.PPID != int(e.PPID) || p.ThreadCount != int(e.Threads) || p.State != StateRunning {
				t.Fatalf("info of %+v = %+v", e, p)
			}
			ft := binary.LittleEndian.Uint64(b[12:])
			p.StartTimeUnixMs = filetimeUnixMs(uint32(ft>>32), uint32(ft))
			checkFiletime(t, ft, p.StartTimeUnixMs)
			ps = append(ps, p)
		}
		sortByPID(ps)
		ps = slices.CompactFunc(ps, func(a, b ProcessInfo) bool { return a.PID == b.PID })
		checkDropStaleParents(t, ps)
	})
}

type th struct {
	pid, ppid, threads uint32
	created            uint64
	name               string
}

// toolhelpRecords encodes entries as FuzzToolhelp reads them.
func toolhelpRecords(es ...th) []byte {
	var b []byte
	for _, e := range es {
		b = binary.LittleEndian.AppendUint32(b, e.pid)
		b = binary.LittleEndian.AppendUint32(b, e.ppid)
		b = binary.LittleEndian.AppendUint32(b, e.threads)
		b = binary.LittleEndian.AppendUint64(b, e.created)
		name := make([]uint16, 8)
		copy(name, utf16.Encode([]rune(e.name)))
		for _, u := range name {
			b = binary.LittleEndian.AppendUint16(b, u)
		}
	}
	return b
}

// checkToolhelpName checks a decoded szExeFile: valid UTF-8 without NUL,
// the units up to the first NUL, encoding back to them when they hold no
// unpaired surrogate.
func checkToolhelpName(t *testing.T, exe []uint16, name string) {
	t.Helper()
	units := exe
	if i := slices.Index(exe, 0); i >= 0 {
		units = exe[:i]
	}
	if !utf8.ValidString(name) || strings.Contains(name, "\x00") {
		t.Fatalf("name of %x = %q", exe, name)
	}
	if string(utf16.Decode(units)) != name {
		t.Fatalf("name of %x = %q, want %q", exe, name, string(utf16.Decode(units)))
	}
	if !strings.ContainsRune(name, utf8.RuneError) && !slices.Equal(utf16.Encode([]rune(name)), units) {
		t.Fatalf("name %q of %x does not encode back", name, exe)
	}
}

// checkFiletime compares a FILETIME conversion with exact arithmetic.
func checkFiletime(t *testing.T, ft uint64, ms int64) {
	t.Helper()
	if ft >= 1<<63 {
		return // after the year 30828
	}
	want := new(big.Int).Sub(new(big.Int).SetUint64(ft), big.NewInt(filetimeEpochDelta))
	want.Quo(want, big.NewInt(10000))
	if want.Int64() != ms {
		t.Fatalf("filetimeUnixMs(%d) = %d, want %s", ft, ms, want)
	}
}

// checkDropStaleParents checks that dropStaleParents changes only ppids,
// only to 0, exactly where the parent started after the child, and that
// a second pass changes nothing.
func checkDropStaleParents(t *testing.T, ps []ProcessInfo) {
	t.Helper()
	before := slices.Clone(ps)
	dropStaleParents(ps)
	for i, p := range ps {
		b := before[i]
		parent, ok := findPID(before, b.PPID)
		stale := ok && b.PPID != 0 && b.PPID != b.PID && b.StartTimeUnixMs != 0 && parent.StartTimeUnixMs > b.StartTimeUnixMs
		want := b
		if stale {
			want.PPID = 0
		}
		if !reflect.DeepEqual(p, want) {
			t.Fatalf("dropStaleParents: %+v became %+v, want %+v", b, p, want)
		}
	}
	again := slices.Clone(ps)
	if dropStaleParents(again); !reflect.DeepEqual(again, ps) {
		t.Fatalf("dropStaleParents is not idempotent: %+v then %+v", ps, again)
	}
}

// FuzzParseFilter checks the key=value filter parser (one argument per
// line): a refusal wraps ErrInvalidFilter and returns the zero Filter, an
// accepted filter holds values the schema allows and reads back the same
// from its JSON and from its canonical key=value form.
func FuzzParseFilter(f *testing.F) {
	f.Add("name_contains=sle\nname_equals=sleep\nuser_equals=alice\npid_in=1, 2,3\nppid=0\n" +
		"state_in=running,zombie\ncpu_above=12.5\nmemory_above_kb=1024\nrunning_for_at_least_secs=60")
	for _, s := range []string{"foo=1", "pid_in=1,x", "pid_in=0", "ppid=-1", "state_in=running,napping",
		"cpu_above=NaN", "cpu_above=-0", "memory_above_kb=-5", "running_for_at_least_secs=1h", "name_equals=",
		"name_contains", "ppid=1\nppid=2", "pid_in=4294967296", "ppid=+7", "cpu_above=1e-400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var kv []string
		if s != "" {
			kv = strings.Split(s, "\n")
		}
		flt, err := ParseFilter(kv)
		if !checkFilter(t, flt, err) {
			return
		}
		if !utf8.ValidString(s) {
			return // JSON carries valid UTF-8 only
		}
		checkFilterJSONRoundTrip(t, flt)
	})
}

// FuzzParseFilterJSON checks the JSON filter parser as FuzzParseFilter
// does the key=value one.
func FuzzParseFilterJSON(f *testing.F) {
	f.Add([]byte(`{"name_equals":"sleep","pid_in":[3,4],"ppid":0,"state_in":["zombie"],"cpu_above":1.5,"memory_above_kb":7,"running_for_at_least_secs":9}`))
	for _, s := range []string{`{"foo":1}`, `{"pid_in":[0]}`, `{"ppid":-2}`, `{"state_in":["napping"]}`,
		`{"cpu_above":200}`, `{"memory_above_kb":-1}`, `[1]`, `{"pid_in":[]}`, `{"state_in":[]}`,
		`{"name_contains":""}`, `{"PID_IN":[1]}`, `{"ppid":null}`, `{"pid_in":[4294967296]}`, `{"ppid":1} {"ppid":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		flt, err := ParseFilterJSON(data)
		if checkFilter(t, flt, err) {
			checkFilterJSONRoundTrip(t, flt)
		}
	})
}

// checkFilter checks what a filter parser returned and reports whether it
// accepted the filter. A refusal is a *FilterError wrapping
// ErrInvalidFilter, with the zero Filter; an accepted filter holds values
// within the bounds of schemas/process-filter.schema.json, reads back the
// same from its key=value form, and judges a process.
func checkFilter(t *testing.T, flt Filter, err error) bool {
	t.Helper()
	if err != nil {
		var fe *FilterError
		if !errors.Is(err, ErrInvalidFilter) || !errors.As(err, &fe) || !reflect.DeepEqual(flt, Filter{}) {
			t.Fatalf("refused with %v, but returned %+v", err, flt)
		}
		return false
	}
	if err := flt.validate(); err != nil {
		t.Fatalf("accepted filter %+v does not validate: %v", flt, err)
	}
	for _, pid := range flt.PIDIn {
		if pid < 1 || uint64(pid) > math.MaxUint32 {
			t.Fatalf("accepted pid_in %d", pid)
		}
	}
	if flt.PPID != nil && (*flt.PPID < 0 || uint64(*flt.PPID) > math.MaxUint32) {
		t.Fatalf("accepted ppid %d", *flt.PPID)
	}
	if c := flt.CPUAbove; c != nil && !(*c >= 0 && *c <= 100) {
		t.Fatalf("accepted cpu_above %v", *c)
	}
	kv := filterArgs(flt)
	if again, err := ParseFilter(kv); err != nil || !reflect.DeepEqual(again, flt) {
		t.Fatalf("key=value round trip of %+v through %q: %+v, %v", flt, kv, again, err)
	}
	flt.MatchAt(ProcessInfo{PID: 42, Name: "sleep", State: StateSleeping}, time.UnixMilli(1_700_000_000_000))
	return true
}

// checkFilterJSONRoundTrip checks that flt reads back the same from its JSON.
func checkFilterJSONRoundTrip(t *testing.T, flt Filter) {
	t.Helper()
	data, err := json.Marshal(flt)
	if err != nil {
		t.Fatalf("marshal %+v: %v", flt, err)
	}
	if again, err := ParseFilterJSON(data); err != nil || !reflect.DeepEqual(again, flt) {
		t.Fatalf("JSON round trip of %+v through %s: %+v, %v", flt, data, again, err)
	}
}

// filterArgs writes flt in the key=value form.
func filterArgs(flt Filter) []string {
	var kv []string
	add := func(k, v string) { kv = append(kv, k+"="+v) }
	for k, v := range map[string]string{"name_contains": flt.NameContains, "name_equals": flt.NameEquals, "user_equals": flt.UserEquals} {
		if v != "" {
			add(k, v)
		}
	}
	if flt.PIDIn != nil {
		add("pid_in", joinInts(flt.PIDIn))
	}
	if flt.PPID != nil {
		add("ppid", strconv.Itoa(*flt.PPID))
	}
	if flt.StateIn != nil {
		var ss []string
		for _, s := range flt.StateIn {
			ss = append(ss, string(s))
		}
		add("state_in", strings.Join(ss, ","))
	}
	if flt.CPUAbove != nil {
		add("cpu_above", strconv.FormatFloat(*flt.CPUAbove, 'g', -1, 64))
	}
	if flt.MemoryAboveKB != nil {
		add("memory_above_kb", strconv.FormatUint(*flt.MemoryAboveKB, 10))
	}
	if flt.RunningForAtLeastSecs != nil {
		add("running_for_at_least_secs", strconv.FormatUint(*flt.RunningForAtLeastSecs, 10))
	}
	return kv
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// FuzzUnmarshalSnapshot checks the snapshot document reader: no document
// with an error, processes sorted by pid as documented, and a document
// that reads back the same once written again.
func FuzzUnmarshalSnapshot(f *testing.F) {
	addFiles(f, "testdata/snapshot/*.json")
	f.Add([]byte(`{"schema_id":"` + SnapshotSchemaID + `","timestamp":"2025-01-01T00:00:00.000Z","processes":[{"pid":2},{"pid":1}]}`))
	f.Add([]byte(`{"schema_id":"` + SnapshotSchemaID + `","timestamp":"0000-01-01T00:00:00+01:00","processes":[]}`))
	f.Add([]byte(`{"schema_id":"` + SnapshotSchemaID + `","timestamp":"2025-01-01T00:00:00Z","filter":{"pid_in":[]},"processes":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := UnmarshalSnapshot(data)
		if err != nil {
			if !reflect.DeepEqual(doc, Document{}) {
				t.Fatalf("UnmarshalSnapshot(%s) = %+v with %v", data, doc, err)
			}
			return
		}
		if !slices.IsSortedFunc(doc.Processes, func(a, b ProcessInfo) int { return a.PID - b.PID }) {
			t.Fatalf("UnmarshalSnapshot(%s): processes not sorted by pid", data)
		}
		once, err := marshalSnapshotAt(doc.Processes, doc.Filter, doc.Origin, doc.Taken)
		if err != nil {
			t.Fatalf("marshal %+v: %v", doc, err)
		}
		again, err := UnmarshalSnapshot(once)
		if err != nil {
			t.Fatalf("UnmarshalSnapshot(%s), read from %s: %v", once, data, err)
		}
		twice, err := marshalSnapshotAt(again.Processes, again.Filter, again.Origin, again.Taken)
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("written again:\n%s\n%s (%v)", once, twice, err)
		}
	})
}
