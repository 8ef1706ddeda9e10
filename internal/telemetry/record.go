package telemetry

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// Event is one record a [Recorder] kept: its message and its attributes,
// each value resolved to a string.
type Event struct {
	Name  string
	Level slog.Level
	Attrs map[string]string
}

// Recorder is a slog.Handler that keeps every record, for tests.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Logger returns a logger that records into r.
func (r *Recorder) Logger() *slog.Logger { return slog.New(r) }

// Enabled reports true for every level.
func (r *Recorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle keeps rec.
func (r *Recorder) Handle(_ context.Context, rec slog.Record) error {
	e := Event{Name: rec.Message, Level: rec.Level, Attrs: map[string]string{}}
	rec.Attrs(func(a slog.Attr) bool {
		e.Attrs[a.Key] = a.Value.Resolve().String()
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

// WithAttrs and WithGroup are not used by the library; they return r.
func (r *Recorder) WithAttrs([]slog.Attr) slog.Handler { return r }

// WithGroup returns r.
func (r *Recorder) WithGroup(string) slog.Handler { return r }

// Events returns the records kept so far, named name, or all when name is
// empty.
func (r *Recorder) Events(name string) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "" {
		return slices.Clone(r.events)
	}
	var out []Event
	for _, e := range r.events {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}
