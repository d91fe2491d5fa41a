package store

import (
	"sync"
	"testing"
	"time"
)

func TestLease(t *testing.T) {
	s, clk, _ := openTest(t)
	ttl := 15 * time.Second
	type step struct {
		at        time.Duration // after t0
		do        string        // acquire or release
		holder    string
		wantGot   bool
		wantWho   string
		wantEpoch uint64
	}
	steps := []step{
		{0, "acquire", "a", true, "a", 1},
		{time.Second, "acquire", "b", false, "a", 1},
		{10 * time.Second, "acquire", "a", true, "a", 1},  // a renewal keeps the epoch
		{24 * time.Second, "acquire", "b", false, "a", 1}, // renewed until 25 s
		{25 * time.Second, "acquire", "b", true, "b", 2},  // lapsed: b takes it
		{26 * time.Second, "release", "a", false, "b", 2}, // not a's to release
		{27 * time.Second, "release", "b", false, "", 2},
		{28 * time.Second, "acquire", "a", true, "a", 3}, // released: no wait
	}
	for i, st := range steps {
		clk.Set(t0.Add(st.at))
		switch st.do {
		case "acquire":
			l, got, err := s.AcquireLease("leader", st.holder, ttl)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if got != st.wantGot || l.Holder != st.wantWho || l.Epoch != st.wantEpoch {
				t.Errorf("step %d: %s acquires: got=%v lease=%+v, want got=%v holder %q epoch %d", i, st.holder, got, l, st.wantGot, st.wantWho, st.wantEpoch)
			}
		case "release":
			if err := s.ReleaseLease("leader", st.holder); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			l, err := s.LeaseOf("leader")
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if l.Holder != st.wantWho || l.Epoch != st.wantEpoch {
				t.Errorf("step %d: after %s releases: %+v, want holder %q epoch %d", i, st.holder, l, st.wantWho, st.wantEpoch)
			}
		}
	}
}

func TestLeaseOneWinner(t *testing.T) {
	s, _, _ := openTest(t)
	var wg sync.WaitGroup
	wins := make(chan string, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := string(rune('A'+i%26)) + string(rune('a'+i/26))
			if _, got, err := s.AcquireLease("leader", who, time.Minute); err != nil {
				t.Error(err)
			} else if got {
				wins <- who
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Errorf("%d replicas took the lease, want exactly 1", n)
	}
}

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
