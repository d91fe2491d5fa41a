package watch

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jonboulle/clockwork"
)

// memClaims is a store's Claim in memory.
type memClaims struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *memClaims) Claim(k, v string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]string{}
	}
	if _, ok := c.m[k]; ok {
		return false, nil
	}
	c.m[k] = v
	return true, nil
}

func seoul(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	return loc
}

// TestScheduleRunsInItsZone: "0 9 * * *" in Asia/Seoul runs at 09:00 KST
// (00:00 UTC) on gocron's fake clock, once.
func TestScheduleRunsInItsZone(t *testing.T) {
	t.Parallel()
	loc := seoul(t)
	clock := clockwork.NewFakeClockAt(time.Date(2024, 4, 17, 8, 59, 0, 0, loc))
	ran := make(chan time.Time, 4)
	claims := &memClaims{}
	s, err := NewSchedule("0 9 * * *", loc, clock, Once(claims, "summary", "test-1", func(_ context.Context, at time.Time) error {
		ran <- at
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.Start(ctx)
	defer s.Stop()

	next, err := s.NextRun()
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 4, 17, 9, 0, 0, 0, loc); !next.Equal(want) || next.Location().String() != "Asia/Seoul" {
		t.Errorf("next run %v, want %v in Asia/Seoul", next, want)
	}
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	select {
	case at := <-ran:
		if got := at.Format(time.RFC3339); got != "2024-04-17T09:00:00+09:00" {
			t.Errorf("ran for %s", got)
		}
	case <-ctx.Done():
		t.Fatal("the job did not run at 09:00 KST")
	}
	if d := cmp.Diff(map[string]string{"summary:2024-04-17T09:00+09:00": "test-1"}, claims.m); d != "" {
		t.Errorf("claims (-want +got):\n%s", d)
	}
}

// TestMissedRunPostedOnce: the bot was down at 09:00; at start it posts
// the missed summary once, and a restart (or a second process on the same
// store) does not post it again.
func TestMissedRunPostedOnce(t *testing.T) {
	t.Parallel()
	loc := seoul(t)
	claims := &memClaims{}
	var posted []string
	post := func(_ context.Context, at time.Time) error {
		posted = append(posted, at.Format("01-02 15:04"))
		return nil
	}
	for i, start := range []time.Time{
		time.Date(2024, 4, 17, 10, 30, 0, 0, loc), // down at 09:00
		time.Date(2024, 4, 17, 10, 31, 0, 0, loc), // restarted
		time.Date(2024, 4, 17, 23, 0, 0, 0, loc),  // restarted again, past the catch-up window
	} {
		s, err := NewSchedule("0 9 * * *", loc, clockwork.NewFakeClockAt(start), Once(claims, "summary", "test-1", post))
		if err != nil {
			t.Fatal(err)
		}
		s.CatchUp = 12 * time.Hour
		s.Start(context.Background())
		if err := s.Stop(); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	if d := cmp.Diff([]string{"04-17 09:00"}, posted); d != "" {
		t.Errorf("posted (-want +got):\n%s", d)
	}
}

func TestOnceRefusesASecondClaim(t *testing.T) {
	t.Parallel()
	claims := &memClaims{}
	at := time.Date(2024, 4, 17, 9, 0, 0, 0, time.FixedZone("KST", 9*3600))
	fn := Once(claims, "summary", "a", func(context.Context, time.Time) error { return nil })
	if err := fn(context.Background(), at); err != nil {
		t.Fatal(err)
	}
	if err := fn(context.Background(), at); !errors.Is(err, ErrClaimed) {
		t.Errorf("second run: %v, want ErrClaimed", err)
	}
}

func TestBadCron(t *testing.T) {
	t.Parallel()
	if _, err := NewSchedule("every day at nine", time.UTC, nil, nil); err == nil {
		t.Error("a bad cron expression was accepted")
	}
}
