package bot

import (
	"runtime/debug"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// DefaultTrimAfter is how long the bot waits with no command in flight
// before it gives back the memory the last commands used.
const DefaultTrimAfter = 3 * time.Second

// trimmer returns the heap a burst of commands freed to the system once
// the bot has been quiet for a moment. Go keeps freed heap for reuse up to
// its next collection goal, about twice the live heap, and returns it
// only slowly; a bot answers in bursts and then idles for hours, holding
// that memory the whole time on the small host it shares with the
// services it watches (docs/memory.md). The cost is one garbage
// collection after each burst, a few milliseconds.
type trimmer struct {
	after time.Duration
	clock clockwork.Clock
	free  func() // debug.FreeOSMemory
	done  func() // counts a trim

	mu     sync.Mutex
	active int  // commands in flight
	dirty  bool // a command ran since the last trim
	timer  clockwork.Timer
}

func newTrimmer(after time.Duration, clock clockwork.Clock, done func()) *trimmer {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return &trimmer{after: after, clock: clock, free: debug.FreeOSMemory, done: done}
}

// begin is called as a command starts.
func (t *trimmer) begin() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active++
	t.dirty = true
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}

// end is called as a command ends; the last one in flight starts the wait.
func (t *trimmer) end() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active--
	if t.active == 0 && t.dirty && t.after > 0 {
		t.timer = t.clock.AfterFunc(t.after, t.fire)
	}
}

func (t *trimmer) fire() {
	t.mu.Lock()
	if t.active > 0 || !t.dirty { // a command started as the wait ended
		t.mu.Unlock()
		return
	}
	t.dirty, t.timer = false, nil
	t.mu.Unlock()
	t.free()
	t.done()
}
