package timeout

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/3leaps/sysprims-go/internal/owner"
	"github.com/3leaps/sysprims-go/internal/platform"
)

// TreeIDEnv is [owner.EnvTreeID], the environment marker naming the tree
// a process belongs to. [Start] adds one when [Config.Env] does not carry
// it.
const TreeIDEnv = owner.EnvTreeID

// newContainer is platform.New; tests replace it with a fake.
var newContainer = platform.New

// Start starts cmd as the root of a new tree in the strongest container the
// machine offers (or the one cfg asks for) and returns at once. A missing
// or non-executable binary gives a [*StartError] that unwraps to
// [ErrNotFound] or [ErrNotExecutable]; an invalid cfg gives
// [ErrInvalidConfig]. Nothing is started or killed on error.
func Start(cmd *exec.Cmd, cfg Config) (*Tree, error) {
	if cmd == nil {
		panic("sysprims: timeout.Start called with a nil *exec.Cmd")
	}
	if err := validate(cfg); err != nil {
		return nil, err
	}
	if cmd.Process != nil {
		return nil, &StartError{Name: cmd.Path, Err: errors.New("command already started")}
	}
	if err := resolve(cmd); err != nil {
		return nil, err
	}
	id := prepareEnv(cmd, cfg.Env)
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = cfg.waitDelay()
	}
	return startIn(cmd, cfg, id)
}

// startIn creates the container and starts cmd in it.
func startIn(cmd *exec.Cmd, cfg Config, id string) (*Tree, error) {
	c, err := newContainer(platform.Spec{Mechanism: cfg.Mechanism, Require: cfg.Require, Name: id, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("sysprims: start %q: %w", cmd.Path, err)
	}
	begin := time.Now()
	canceled := watchCancel(cmd)
	if err := c.Start(cmd); err != nil {
		cerr := c.Close()
		return nil, &StartError{Name: cmd.Path, Kind: classify(err), Err: errors.Join(err, cerr, leftBehind(err, id, begin))}
	}
	t := newTree(cmd, cfg, c, id, begin)
	t.canceled = canceled
	t.emitStarted()
	go t.waitRoot()
	return t, nil
}

// Run starts cmd with [Start] and waits for it with cfg.Timeout, tearing
// the whole tree down at the end. The error is non-nil only when cmd could
// not be started.
func Run(cmd *exec.Cmd, cfg Config) (Outcome, error) {
	t, err := Start(cmd, cfg)
	if err != nil {
		return Outcome{}, err
	}
	return t.Wait(cfg.Timeout), nil
}

// validate refuses negative durations.
func validate(cfg Config) error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"timeout", cfg.Timeout}, {"grace", cfg.Grace}, {"wait delay", cfg.WaitDelay}, {"slow-after", cfg.SlowAfter}} {
		if d.v < 0 {
			return fmt.Errorf("%w: negative %s %v", ErrInvalidConfig, d.name, d.v)
		}
	}
	return nil
}

// resolve checks, with exec.LookPath semantics, that cmd names an
// executable file. It leaves cmd unchanged.
func resolve(cmd *exec.Cmd) error {
	if cmd.Err != nil {
		return &StartError{Name: execName(cmd), Kind: classify(cmd.Err), Err: unwrapExec(cmd.Err)}
	}
	path := cmd.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(cmd.Dir, path)
	}
	if !strings.ContainsRune(path, filepath.Separator) {
		path = "." + string(filepath.Separator) + path
	}
	if _, err := exec.LookPath(path); err != nil {
		return &StartError{Name: cmd.Path, Kind: classify(err), Err: unwrapExec(err)}
	}
	return nil
}

// execName is the name the caller gave for cmd.
func execName(cmd *exec.Cmd) string {
	var ee *exec.Error
	if errors.As(cmd.Err, &ee) {
		return ee.Name
	}
	return cmd.Path
}

// unwrapExec drops the *exec.Error wrapper, whose text repeats the name.
func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// classify maps a start error to ErrNotFound, ErrNotExecutable or nil.
func classify(err error) error {
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOENT):
		return ErrNotFound
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EISDIR):
		return ErrNotExecutable
	}
	return nil
}

// prepareEnv adds extra to cmd's environment, replacing any inherited
// value of the same keys, and makes sure the tree carries a tree id: when
// extra names none, one minted by this run ([owner.NewTreeID], with
// [owner.EnvRunID]). It returns the tree id.
func prepareEnv(cmd *exec.Cmd, extra []string) string {
	base := cmd.Env
	if base == nil {
		base = os.Environ()
	}
	id := owner.LookupEnv(extra, owner.EnvTreeID)
	if id == "" {
		id = owner.NewTreeID()
		extra = append(extra[:len(extra):len(extra)], owner.EnvTreeID+"="+id)
		if owner.LookupEnv(extra, owner.EnvRunID) == "" {
			extra = append(extra, owner.EnvRunID+"="+owner.RunID())
		}
	}
	cmd.Env = owner.SetEnv(base, extra)
	return id
}

// watchCancel wraps cmd.Cancel (set by exec.CommandContext, or by the
// caller) so that the tree knows when os/exec called it: the context was
// done, and a signal that ends the root from then on (Cancel's own, or
// WaitDelay's SIGKILL after it) is the command's doing, not an external
// kill.
func watchCancel(cmd *exec.Cmd) *atomic.Bool {
	called := new(atomic.Bool)
	if cancel := cmd.Cancel; cancel != nil {
		cmd.Cancel = func() error {
			called.Store(true)
			return cancel()
		}
	}
	return called
}

// startSlack is how much earlier than the call to Start a process of the
// tree may look started: start times are kept in clock ticks since boot.
const startSlack = time.Second

// leftBehind names, when the container was lost while it started the
// root ([platform.ErrLost]), the processes that carry the tree's marker:
// the command may have run and killed the shim before it was named. They
// are reported, never signalled: nothing but the marker proves them the
// tree's.
func leftBehind(err error, id string, begin time.Time) error {
	if !errors.Is(err, platform.ErrLost) {
		return nil
	}
	ps, _ := carrying(id, begin.Add(-startSlack).UnixMilli())
	if len(ps) == 0 {
		return nil
	}
	return fmt.Errorf("sysprims: %d process(es) carrying the tree's marker left running (nothing else proves them the tree's):%s", len(ps), owner.Lines(ps, "\t"))
}
