package platform

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform/helper"
)

// helperSrc is the source of the helper program (package helper, the
// procfs parsers it shares with internal/proc, and its main), built once
// per machine by [helperPath].
//
//go:embed helper/*.go helper/procfs/*.go helper/cmd/sysprims-helper/main.go
var helperSrc embed.FS

// helperGOMAXPROCS is in every helper's environment: a set GOMAXPROCS
// spares the Go runtime its cgroup reads at start, and a helper needs no
// more.
const helperGOMAXPROCS = "GOMAXPROCS=2"

// helperBuildTimeout bounds one build of the helper.
const helperBuildTimeout = 2 * time.Minute

var (
	helperOnce sync.Once
	helperExe  string
	helperErr  error
	selfHelper atomic.Bool // the executable serves as its own helper (ServeHelper)
)

// ServeHelper makes this executable its own subreaper shim and cgroup
// guardian, so it needs no Go toolchain to build the helper. Call it
// first in main: when the process was started as a helper it runs the
// helper and exits; otherwise it returns at once, and containers made
// afterwards start this executable as their helper. A helper started so
// acts only for its real parent (see package helper), never because of
// its environment.
func ServeHelper() {
	if len(os.Args) > 1 && helper.IsMode(os.Args[1]) {
		os.Exit(helper.Main(os.Args))
	}
	selfHelper.Store(true)
}

// helperPath returns the helper executable, checked just now to be this
// uid's and writable by nobody else: this executable after ServeHelper,
// else the helper built from helperSrc (building it the first time on
// this machine).
func helperPath() (string, error) {
	if selfHelper.Load() {
		return os.Executable()
	}
	helperOnce.Do(func() { helperExe, helperErr = ensureHelper() })
	if helperErr != nil {
		return "", helperErr
	}
	return helperExe, checkHelper(helperExe)
}

// ensureHelper returns the cached helper, building it under a file lock
// (so the test binaries of one go test ./... build it once) when missing.
func ensureHelper() (string, error) {
	files, key, err := helperSource()
	if err != nil {
		return "", fmt.Errorf("sysprims: helper source: %w", err)
	}
	dir, err := helperCacheDir()
	if err != nil {
		return "", err
	}
	exe := filepath.Join(dir, owner.HelperExePrefix+key)
	if checkHelper(exe) == nil {
		return exe, nil
	}
	unlock, err := lockFile(exe + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if checkHelper(exe) == nil {
		return exe, nil
	}
	if err := buildHelper(files, dir, exe); err != nil {
		return "", err
	}
	return exe, checkHelper(exe)
}

// helperSource returns the helper's files (tests left out) by path
// relative to the module root, and the cache key: a hash of them, the Go
// version and the target.
func helperSource() (map[string][]byte, string, error) {
	files := make(map[string][]byte)
	err := fs.WalkDir(helperSrc, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := helperSrc.ReadFile(path)
		files["internal/platform/"+path] = b
		return err
	})
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	fmt.Fprintf(h, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, n := range names {
		fmt.Fprintf(h, "%s %d\n", n, len(files[n]))
		h.Write(files[n])
	}
	return files, hex.EncodeToString(h.Sum(nil))[:20], err
}

// helperCacheDir returns os.UserCacheDir()/sysprims-go, or, when there is
// none or it is unusable, os.TempDir()/sysprims-go-UID; made 0700 and
// checked to be ours and writable by nobody else.
func helperCacheDir() (string, error) {
	var errs []error
	if base, err := os.UserCacheDir(); err == nil {
		dir, err := ownedDir(filepath.Join(base, owner.HelperDir))
		if err == nil {
			return dir, nil
		}
		errs = append(errs, err)
	}
	dir, err := ownedDir(filepath.Join(os.TempDir(), fmt.Sprintf("%s-%d", owner.HelperDir, os.Getuid())))
	if err != nil {
		return "", fmt.Errorf("sysprims: no cache directory for the helper: %w", errors.Join(append(errs, err)...))
	}
	return dir, nil
}

func ownedDir(dir string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return "", err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	return dir, checkOwned(dir, true)
}

// checkHelper checks, before each start, that exe and its directory are
// this uid's, writable by nobody else, and exe a regular executable file.
func checkHelper(exe string) error {
	if err := checkOwned(filepath.Dir(exe), true); err != nil {
		return err
	}
	return checkOwned(exe, false)
}

// checkOwned checks that path (not followed if a link) is a directory
// (dir) or an executable regular file, owned by this uid and not group or
// other writable.
func checkOwned(path string, dir bool) error {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return fmt.Errorf("sysprims: helper: %w", &fs.PathError{Op: "lstat", Path: path, Err: err})
	}
	want, kind := uint32(syscall.S_IFREG), "an executable file"
	if dir {
		want, kind = syscall.S_IFDIR, "a directory"
	}
	switch {
	case st.Mode&syscall.S_IFMT != want || (!dir && st.Mode&0o100 == 0):
		return fmt.Errorf("sysprims: helper: %s is not %s", path, kind)
	case int(st.Uid) != os.Getuid():
		return fmt.Errorf("sysprims: helper: %s is owned by uid %d, not %d", path, st.Uid, os.Getuid())
	case st.Mode&0o022 != 0:
		return fmt.Errorf("sysprims: helper: %s is writable by group or others (%#o)", path, st.Mode&0o777)
	}
	return nil
}

// lockFile takes an exclusive flock of path (made 0600 if missing) and
// returns its release.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sysprims: helper lock: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sysprims: helper lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// buildHelper writes files into a throwaway module in dir, builds the
// helper with the Go toolchain in a cleaned environment, and renames it
// to exe.
func buildHelper(files map[string][]byte, dir, exe string) error {
	gobin, err := goTool()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return fmt.Errorf("sysprims: helper build: %w", err)
	}
	defer os.RemoveAll(tmp)
	files["go.mod"] = []byte("module github.com/3leaps/sysprims-go\n\ngo 1.22\n")
	for name, b := range files {
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("sysprims: helper build: %w", err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return fmt.Errorf("sysprims: helper build: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), helperBuildTimeout)
	defer cancel()
	out := filepath.Join(tmp, "sysprims-helper")
	cmd := exec.CommandContext(ctx, gobin, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./internal/platform/helper/cmd/sysprims-helper")
	cmd.Dir = tmp
	cmd.Env = buildEnv(dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("sysprims: helper build with %s: %w: %s", gobin, err, strings.TrimSpace(string(b)))
	}
	if err := os.Chmod(out, 0o700); err != nil {
		return fmt.Errorf("sysprims: helper build: %w", err)
	}
	if err := os.Rename(out, exe); err != nil {
		return fmt.Errorf("sysprims: helper build: %w", err)
	}
	return nil
}

// goTool finds the go command: in PATH, else in runtime.GOROOT()/bin.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := runtime.GOROOT(); root != "" {
		p := filepath.Join(root, "bin", "go")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("sysprims: no Go toolchain (go in PATH or GOROOT/bin) to build the helper")
}

// buildEnv is the environment minus what would change the build (flags,
// workspaces, toolchain switches, cross targets, cgo), plus a build cache
// when none can be found.
func buildEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOFLAGS", "GOOS", "GOARCH", "GOROOT", "GOWORK", "GO111MODULE", "GOTOOLCHAIN", "CGO_ENABLED", "GOENV", "GOEXPERIMENT":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOFLAGS=", "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOWORK=off", "GO111MODULE=on", "GOENV=off",
		"GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if os.Getenv("GOCACHE") == "" {
		if _, err := os.UserCacheDir(); err != nil {
			env = append(env, "GOCACHE="+filepath.Join(dir, "go-build"))
		}
	}
	if os.Getenv("GOPATH") == "" {
		if _, err := os.UserHomeDir(); err != nil {
			env = append(env, "GOPATH="+filepath.Join(dir, "gopath"))
		}
	}
	return env
}
