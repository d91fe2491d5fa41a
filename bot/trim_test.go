package bot

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

func TestTrimmer(t *testing.T) {
	type step struct {
		do    string // begin, end, or wait: the clock moves by the quiet time
		trims int64  // trims so far, after the step
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"one command, then quiet: one trim", []step{{"begin", 0}, {"end", 0}, {"wait", 1}}},
		{"quiet with nothing run: no trim", []step{{"wait", 0}, {"begin", 0}, {"end", 0}, {"wait", 1}, {"wait", 1}}},
		{"a burst trims once, after its last command", []step{{"begin", 0}, {"begin", 0}, {"end", 0}, {"wait", 0}, {"end", 0}, {"wait", 1}}},
		{"a command before the wait ends puts the trim off", []step{{"begin", 0}, {"end", 0}, {"begin", 0}, {"wait", 0}, {"end", 0}, {"wait", 1}}},
		{"each burst its own trim", []step{{"begin", 0}, {"end", 0}, {"wait", 1}, {"begin", 1}, {"end", 1}, {"wait", 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := clockwork.NewFakeClock()
			var freed atomic.Int64
			trimmed := make(chan struct{}, len(tt.steps))
			tr := newTrimmer(DefaultTrimAfter, clock, func() { trimmed <- struct{}{} })
			tr.free = func() { freed.Add(1) }
			var trims int64
			for i, s := range tt.steps {
				switch s.do {
				case "begin":
					tr.begin()
				case "end":
					tr.end()
				case "wait":
					if wait(t, clock, tr, trimmed) {
						trims++
					}
				}
				if trims != s.trims {
					t.Fatalf("step %d (%s): %d trims, want %d", i, s.do, trims, s.trims)
				}
			}
			if freed.Load() != trims {
				t.Errorf("memory freed %d times, trims counted %d", freed.Load(), trims)
			}
		})
	}
}

// wait moves the clock past the quiet time and reports whether that
// trimmed. A trim is due exactly when the wait is armed; AfterFunc runs
// it on a goroutine of its own, so the test waits for its signal.
func wait(t *testing.T, clock *clockwork.FakeClock, tr *trimmer, trimmed <-chan struct{}) bool {
	t.Helper()
	tr.mu.Lock()
	armed := tr.timer != nil
	tr.mu.Unlock()
	clock.Advance(DefaultTrimAfter)
	if !armed {
		return false
	}
	select {
	case <-trimmed:
		return true
	case <-time.After(time.Minute):
		t.Fatal("no trim after the quiet time")
		return false
	}
}
