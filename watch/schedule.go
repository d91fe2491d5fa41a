package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"github.com/robfig/cron/v3"
)

// Claimer is the store's set-if-absent; *store.Store is one.
type Claimer interface {
	Claim(key, value string) (bool, error)
}

// RunFunc is a scheduled job; at is the run's scheduled time, in the
// schedule's zone.
type RunFunc func(ctx context.Context, at time.Time) error

// Schedule runs a job on a cron expression ("0 9 * * *") in a time zone
// (the club's Asia/Seoul), with gocron.
type Schedule struct {
	sched gocron.Scheduler
	job   gocron.Job
	expr  cron.Schedule
	loc   *time.Location
	clock clockwork.Clock
	fn    RunFunc
	// CatchUp, when set before Start, runs the latest missed run at Start
	// if it was due less than CatchUp ago: a summary the bot was down for
	// is posted late rather than never. Wrap fn with Once so that a
	// restart does not post it twice.
	CatchUp time.Duration
	ctx     context.Context
	cancel  context.CancelFunc
}

// NewSchedule prepares fn to run at each time of the standard five-field
// cron expression in loc (UTC when nil). clock is the clock (nil: the
// real one; tests pass a clockwork.FakeClock). Start starts it.
func NewSchedule(expr string, loc *time.Location, clock clockwork.Clock, fn RunFunc) (*Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	parsed, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, fmt.Errorf("the schedule %q is not a cron expression (minute hour day month weekday, e.g. \"0 9 * * *\"): %w", expr, err)
	}
	sched, err := gocron.NewScheduler(gocron.WithClock(clock), gocron.WithLocation(loc))
	if err != nil {
		return nil, fmt.Errorf("starting the scheduler: %w", err)
	}
	s := &Schedule{sched: sched, expr: parsed, loc: loc, clock: clock, fn: fn}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.job, err = sched.NewJob(gocron.CronJob(expr, false), gocron.NewTask(s.fire),
		gocron.WithSingletonMode(gocron.LimitModeReschedule))
	if err != nil {
		_ = sched.Shutdown()
		return nil, fmt.Errorf("the schedule %q: %w", expr, err)
	}
	return s, nil
}

// Start runs the schedule (and the catch-up, when asked) until Stop. ctx
// is the context the runs get.
func (s *Schedule) Start(ctx context.Context) {
	s.ctx, s.cancel = context.WithCancel(ctx)
	if s.CatchUp > 0 {
		now := s.clock.Now().In(s.loc)
		if prev := s.Prev(now); !prev.IsZero() && now.Sub(prev) < s.CatchUp {
			slog.Info("schedule: running a missed run", "due", prev)
			s.run(prev)
		}
	}
	s.sched.Start()
}

// Stop stops the schedule and waits for a running job.
func (s *Schedule) Stop() error {
	s.cancel()
	return s.sched.Shutdown()
}

// NextRun is when the job runs next, in the schedule's zone.
func (s *Schedule) NextRun() (time.Time, error) {
	t, err := s.job.NextRun()
	return t.In(s.loc), err
}

// Prev is the latest scheduled time at or before t (zero if none in the
// two days before).
func (s *Schedule) Prev(t time.Time) time.Time {
	t = t.In(s.loc)
	var prev time.Time
	for c := t.Add(-48 * time.Hour); ; {
		n := s.expr.Next(c)
		if n.IsZero() || n.After(t) {
			return prev
		}
		prev, c = n, n
	}
}

func (s *Schedule) fire() {
	s.run(s.Prev(s.clock.Now()))
}

func (s *Schedule) run(at time.Time) {
	if err := s.fn(s.ctx, at.In(s.loc)); err != nil && !errors.Is(err, ErrClaimed) {
		slog.Warn("schedule: the run failed", "due", at, "err", err)
	}
}

// ErrClaimed is returned by a Once job that another run (an earlier
// process, a catch-up, another replica on the same store) already did.
var ErrClaimed = errors.New("already done for this time")

// Once wraps fn so that it runs at most once per scheduled time, across
// restarts and processes sharing the store: before running, it claims
// "NAME:" and the scheduled time in the schedule's zone
// ("summary:2024-04-18T09:00+09:00"), and only the first claimer runs.
// A run that fails after its claim is not retried (at most once).
func Once(st Claimer, name, instance string, fn RunFunc) RunFunc {
	return func(ctx context.Context, at time.Time) error {
		key := name + ":" + at.Format("2006-01-02T15:04Z07:00")
		ok, err := st.Claim(key, instance)
		if err != nil {
			return fmt.Errorf("claiming %s: %w", key, err)
		}
		if !ok {
			slog.Info("schedule: already done, not posting again", "key", key)
			return ErrClaimed
		}
		return fn(ctx, at)
	}
}
