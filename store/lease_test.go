package store

import (
	"testing"
	"time"
)

// The lease rules and the one winner among racers are in the
// conformance suite (store/storetest), which runs on this engine too.

func TestLeaseBadInput(t *testing.T) {
	s, _, _ := openTest(t)
	for _, c := range []struct {
		name, holder string
		ttl          time.Duration
	}{{"", "a", time.Second}, {"leader", "", time.Second}, {"leader", "a", 0}} {
		if _, got, err := s.AcquireLease(c.name, c.holder, c.ttl); err == nil || got {
			t.Errorf("AcquireLease(%q, %q, %s) = %v, %v; want an error", c.name, c.holder, c.ttl, got, err)
		}
	}
}
