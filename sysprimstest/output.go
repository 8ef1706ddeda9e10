package sysprimstest

import (
	"fmt"
	"sync"

	"github.com/onsi/gomega/gbytes"
)

// DefaultOutputLimit is how many bytes of each output stream a tree's
// capture keeps unless [WithOutputLimit] says otherwise: 4 MiB.
const DefaultOutputLimit = 4 << 20

// output captures one stream of a tree within a byte limit. For the
// Result it keeps the first half of the limit and the most recent half,
// and notes how much it dropped between them. For gbytes.Say it keeps a
// window of the most recent output: once the window would pass the limit
// it is cleared, so matching goes on over new output. Run's captures,
// which nothing can match against, keep no window.
type output struct {
	mu    sync.Mutex
	limit int
	head  []byte // the first limit/2 bytes
	tail  []byte // a ring of the latest limit-limit/2 bytes, once head is full
	next  int    // where the ring's next byte goes, once tail is full
	total int64
	say   *gbytes.Buffer // nil without a window
	held  int            // bytes in say
}

// newOutput returns a capture of limit bytes, with a window for
// gbytes.Say when window is set.
func newOutput(limit int, window bool) *output {
	o := &output{limit: limit}
	if window {
		o.say = gbytes.NewBuffer()
	}
	return o
}

// Write keeps what fits and never fails: a tree's output is never lost
// to the writer because the capture is full.
func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	written := len(b)
	o.total += int64(written)
	o.keep(b)
	if o.say == nil {
		return written, nil
	}
	if o.held+len(b) > o.limit {
		_ = o.say.Clear() // closed only after the writers are done
		o.held = 0
		if len(b) > o.limit {
			b = b[len(b)-o.limit:]
		}
	}
	n, _ := o.say.Write(b)
	o.held += n
	return written, nil
}

// keep stores b in head, then in the tail ring.
func (o *output) keep(b []byte) {
	if room := o.limit/2 - len(o.head); room > 0 {
		n := min(room, len(b))
		o.head = append(o.head, b[:n]...)
		b = b[n:]
	}
	size := o.limit - o.limit/2
	if len(b) >= size {
		o.tail = append(o.tail[:0], b[len(b)-size:]...)
		o.next = 0
		return
	}
	if room := size - len(o.tail); room > 0 {
		n := min(room, len(b))
		o.tail = append(o.tail, b[:n]...)
		b = b[n:]
	}
	for len(b) > 0 {
		n := copy(o.tail[o.next:], b)
		b = b[n:]
		o.next = (o.next + n) % size
	}
}

// Bytes returns what the capture kept: all of it when the stream stayed
// within the limit, else its head, a line saying how much was dropped,
// and its tail.
func (o *output) Bytes() []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	kept := int64(len(o.head) + len(o.tail))
	out := make([]byte, 0, kept+100)
	out = append(out, o.head...)
	if dropped := o.total - kept; dropped > 0 {
		out = fmt.Appendf(out, "\n[sysprims: %d bytes of output dropped here; WithOutputLimit keeps more]\n", dropped)
	}
	out = append(out, o.tail[o.next:]...)
	return append(out, o.tail[:o.next]...)
}

// Close ends the gbytes window: gexec-style Say sees the stream closed.
func (o *output) Close() {
	if o.say != nil {
		o.say.Close()
	}
}
