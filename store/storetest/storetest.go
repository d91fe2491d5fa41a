// Package storetest is the conformance suite every store engine passes:
// the bbolt engine (package store) and the DynamoDB one (store/dynamo).
// It holds them to one behaviour, the exactly-once steps above all.
package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
)

// T0 is the suite's starting time.
var T0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// Clock is a settable clock an engine under test reads.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at T0.
func NewClock() *Clock { return &Clock{t: T0} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// Open makes a fresh, empty engine reading clk.
type Open func(t *testing.T, clk *Clock) store.Engine

// Options tune the suite to an engine.
type Options struct {
	// Racers is how many goroutines race for each exactly-once step;
	// Attempts how many tries they make in all (default 1,000).
	Racers, Attempts int
}

// Run runs every case against fresh engines from open.
func Run(t *testing.T, open Open, opt Options) {
	if opt.Attempts <= 0 {
		opt.Attempts = 1000
	}
	if opt.Racers <= 0 {
		opt.Racers = 50
	}
	cases := []struct {
		name string
		fn   func(*testing.T, store.Engine, *Clock)
	}{
		{"changes", changes},
		{"locks", locks},
		{"audit", audit},
		{"stops", stops},
		{"kv", kv},
		{"leases", leases},
		{"prune", prune},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := NewClock()
			c.fn(t, open(t, clk), clk)
		})
	}
	t.Run("one winner", func(t *testing.T) {
		clk := NewClock()
		oneWinner(t, open(t, clk), opt)
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func changes(t *testing.T, e store.Engine, clk *Clock) {
	a := store.Change{ID: "aaaa0001", Kind: "scale-cpu", Cluster: "c", Service: "api", ExpiresAt: T0.Add(time.Hour)}
	must(t, e.CreateChange(a))
	if err := e.CreateChange(a); !errors.Is(err, store.ErrExists) {
		t.Errorf("creating it again: %v, want ErrExists", err)
	}
	clk.Set(T0.Add(time.Minute))
	must(t, e.CreateChange(store.Change{ID: "aaaa0002", Kind: "scale-count", Cluster: "c", Service: "web"}))
	got, err := e.Change("AAAA0001")
	if err != nil || got.Status != store.StatusPending || !got.RequestedAt.Equal(T0) {
		t.Fatalf("Change(AAAA0001) = %+v, %v; want it pending, requested at T0", got, err)
	}
	if _, err := e.Change("nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing change: %v, want ErrNotFound", err)
	}
	c, err := e.Transition("aaaa0001", []store.Status{store.StatusPending}, store.StatusApproved, func(c *store.Change) error {
		c.ApprovedBy, c.ID = "bob", "hijacked"
		return nil
	})
	if err != nil || c.Status != store.StatusApproved || c.ApprovedBy != "bob" || c.ID != "aaaa0001" {
		t.Fatalf("Transition = %+v, %v", c, err)
	}
	c, err = e.Transition("aaaa0001", []store.Status{store.StatusPending}, store.StatusRejected, nil)
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Status != store.StatusApproved || c.Status != store.StatusApproved {
		t.Errorf("a second transition: %+v, %v; want a conflict naming approved", c, err)
	}
	boom := errors.New("boom")
	if _, err := e.Transition("aaaa0002", nil, store.StatusFailed, func(*store.Change) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("a failing mutate: %v, want it back", err)
	}
	if c, _ := e.Change("aaaa0002"); c.Status != store.StatusPending {
		t.Errorf("a failing mutate saved status %s", c.Status)
	}
	all, err := e.Changes(store.ChangeFilter{})
	must(t, err)
	if len(all) != 2 || all[0].ID != "aaaa0002" {
		t.Errorf("Changes = %v, want both, newest first", ids(all))
	}
	some, err := e.Changes(store.ChangeFilter{Statuses: []store.Status{store.StatusApproved}, Service: "api"})
	must(t, err)
	if len(some) != 1 || some[0].ID != "aaaa0001" {
		t.Errorf("Changes(approved, api) = %v", ids(some))
	}
}

func ids(cs []store.Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func locks(t *testing.T, e store.Engine, _ *Clock) {
	must(t, e.CreateChange(store.Change{ID: "lock0001", Cluster: "c", Service: "api"}))
	must(t, e.CreateChange(store.Change{ID: "lock0002", Cluster: "c", Service: "api"}))
	must(t, e.LockService("c", "api", "lock0001"))
	must(t, e.LockService("c", "api", "lock0001"))
	if err := e.LockService("c", "api", "lock0002"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a held lock: %v, want ErrConflict", err)
	}
	if held, err := e.ServiceLock("c", "api"); err != nil || held != "lock0001" {
		t.Errorf("ServiceLock = %q, %v", held, err)
	}
	if err := e.UnlockService("c", "api", "lock0002"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("unlocking another's lock: %v, want ErrConflict", err)
	}
	// A finished holder's lock is free, and may be taken.
	_, err := e.Transition("lock0001", nil, store.StatusApplied, nil)
	must(t, err)
	if held, err := e.ServiceLock("c", "api"); err != nil || held != "" {
		t.Errorf("ServiceLock of a finished holder = %q, %v; want free", held, err)
	}
	must(t, e.LockService("c", "api", "lock0002"))
	must(t, e.UnlockService("c", "api", "lock0002"))
	must(t, e.UnlockService("c", "api", "lock0002")) // free: fine
	if held, err := e.ServiceLock("c", "web"); err != nil || held != "" {
		t.Errorf("ServiceLock of a never-locked service = %q, %v", held, err)
	}
}

func audit(t *testing.T, e store.Engine, clk *Clock) {
	if _, err := e.Audit(store.AuditRecord{}); err == nil {
		t.Error("an audit record without an event was written")
	}
	var last uint64
	for i := range 5 {
		clk.Set(T0.Add(time.Duration(i) * time.Minute))
		r, err := e.Audit(store.AuditRecord{Event: fmt.Sprintf("e%d", i)})
		must(t, err)
		if r.Seq <= last || !r.At.Equal(clk.Now()) {
			t.Errorf("record %d: seq %d after %d, at %s", i, r.Seq, last, r.At)
		}
		last = r.Seq
	}
	all, err := e.AuditLog(time.Time{}, 0)
	must(t, err)
	if len(all) != 5 || all[0].Event != "e0" || all[4].Event != "e4" {
		t.Errorf("AuditLog = %v, want e0..e4 oldest first", events(all))
	}
	newest, err := e.AuditLog(T0.Add(time.Minute), 2)
	must(t, err)
	if len(newest) != 2 || newest[0].Event != "e3" || newest[1].Event != "e4" {
		t.Errorf("AuditLog(since 1 min, 2) = %v, want e3 e4", events(newest))
	}
}

func events(rs []store.AuditRecord) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Event
	}
	return out
}

func stops(t *testing.T, e store.Engine, clk *Clock) {
	exit := int32(137)
	first := store.StopRecord{TaskArn: "arn:aws:ecs:r:1:task/c/t1", Cluster: "c", Service: "api", StoppingAt: T0.Add(time.Minute),
		Containers: []store.StopContainer{{Name: "app"}}}
	isNew, err := e.RecordStop(first)
	if err != nil || !isNew {
		t.Fatalf("RecordStop = %v, %v", isNew, err)
	}
	clk.Set(T0.Add(2 * time.Minute))
	later := first
	later.StoppedAt, later.StopCode, later.Containers = T0.Add(2*time.Minute), "TaskFailedToStart", []store.StopContainer{{Name: "app", ExitCode: &exit}}
	isNew, err = e.RecordStop(later)
	if err != nil || isNew {
		t.Fatalf("RecordStop again = %v, %v", isNew, err)
	}
	r, err := e.Stop(first.TaskArn)
	must(t, err)
	if !r.FirstSeen.Equal(T0) || !r.StoppedAt.Equal(T0.Add(2*time.Minute)) || len(r.Containers) != 1 || r.Containers[0].ExitCode == nil {
		t.Errorf("merged record %+v", r)
	}
	for i, want := range []bool{true, false} {
		got, err := e.ClaimAnnouncement(first.TaskArn)
		if err != nil || got != want {
			t.Errorf("ClaimAnnouncement #%d = %v, %v; want %v", i+1, got, err, want)
		}
	}
	if _, err := e.ClaimAnnouncement("arn:none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("claiming an unrecorded stop: %v, want ErrNotFound", err)
	}
	must(t, e.SetStopAlert(first.TaskArn, "msg-1", ""))
	must(t, e.SetStopAlert(first.TaskArn, "", "g1"))
	if r, _ := e.Stop(first.TaskArn); r.AlertMessageID != "msg-1" || r.Group != "g1" || r.AnnouncedAt.IsZero() {
		t.Errorf("after SetStopAlert: %+v", r)
	}
	for i, svc := range []string{"api", "web", "api"} {
		_, err := e.RecordStop(store.StopRecord{TaskArn: fmt.Sprintf("arn:aws:ecs:r:1:task/c/x%d", i), Cluster: "c", Service: svc, StoppedAt: T0.Add(time.Duration(10+i) * time.Minute)})
		must(t, err)
	}
	_, err = e.RecordStop(store.StopRecord{TaskArn: "arn:aws:ecs:r:1:task/d/y", Cluster: "d", Service: "api", StoppedAt: T0})
	must(t, err)
	for _, c := range []struct {
		cluster, service string
		since            time.Time
		want             int
	}{{"c", "api", time.Time{}, 3}, {"c", "api", T0.Add(5 * time.Minute), 2}, {"c", "", time.Time{}, 4}, {"", "", time.Time{}, 5}, {"c", "none", time.Time{}, 0}} {
		got, err := e.Stops(c.cluster, c.service, c.since)
		must(t, err)
		if len(got) != c.want {
			t.Errorf("Stops(%q, %q, %s) = %d records, want %d", c.cluster, c.service, c.since.Format("15:04"), len(got), c.want)
		}
		for i := 1; i < len(got); i++ {
			if got[i].When().After(got[i-1].When()) {
				t.Errorf("Stops(%q, %q) not newest first", c.cluster, c.service)
			}
		}
	}
}

func kv(t *testing.T, e store.Engine, _ *Clock) {
	if _, err := e.Get("k"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of a missing key: %v", err)
	}
	must(t, e.Set("k", "v1"))
	must(t, e.Set("k", "v2"))
	if v, err := e.Get("k"); err != nil || v != "v2" {
		t.Errorf("Get = %q, %v", v, err)
	}
	if ok, err := e.Claim("k", "v3"); err != nil || ok {
		t.Errorf("Claim of a set key = %v, %v", ok, err)
	}
	must(t, e.Delete("k"))
	must(t, e.Delete("k"))
	if ok, err := e.Claim("k", "v3"); err != nil || !ok {
		t.Errorf("Claim of a free key = %v, %v", ok, err)
	}
	if err := e.Set("", "x"); err == nil {
		t.Error("an empty key was set")
	}
	must(t, e.Set("other", "o"))
	if all, err := e.Pairs(); err != nil || len(all) != 2 || all["k"] != "v3" || all["other"] != "o" {
		t.Errorf("Pairs = %v, %v", all, err)
	}
}

func leases(t *testing.T, e store.Engine, clk *Clock) {
	ttl := 15 * time.Second
	steps := []struct {
		at        time.Duration
		do, who   string
		got       bool
		holder    string
		wantEpoch uint64
	}{
		{0, "acquire", "a", true, "a", 1},
		{time.Second, "acquire", "b", false, "a", 1},
		{10 * time.Second, "acquire", "a", true, "a", 1},
		{24 * time.Second, "acquire", "b", false, "a", 1},
		{25 * time.Second, "acquire", "b", true, "b", 2},
		{26 * time.Second, "release", "a", false, "b", 2},
		{27 * time.Second, "release", "b", false, "", 2},
		{28 * time.Second, "acquire", "a", true, "a", 3},
	}
	for i, st := range steps {
		clk.Set(T0.Add(st.at))
		var l store.Lease
		if st.do == "acquire" {
			var got bool
			var err error
			l, got, err = e.AcquireLease("leader", st.who, ttl)
			must(t, err)
			if got != st.got {
				t.Errorf("step %d: %s got=%v, want %v", i, st.who, got, st.got)
			}
		} else {
			must(t, e.ReleaseLease("leader", st.who))
			var err error
			l, err = e.LeaseOf("leader")
			must(t, err)
		}
		if l.Holder != st.holder || l.Epoch != st.wantEpoch {
			t.Errorf("step %d (%s %s): lease %+v, want holder %q epoch %d", i, st.do, st.who, l, st.holder, st.wantEpoch)
		}
	}
	if _, _, err := e.AcquireLease("leader", "a", 0); err == nil {
		t.Error("a lease with no time to live was taken")
	}
}

func prune(t *testing.T, e store.Engine, clk *Clock) {
	_, err := e.RecordStop(store.StopRecord{TaskArn: "arn:old", Cluster: "c", Service: "api", StoppedAt: T0})
	must(t, err)
	_, err = e.RecordStop(store.StopRecord{TaskArn: "arn:new", Cluster: "c", Service: "api", StoppedAt: T0.Add(48 * time.Hour)})
	must(t, err)
	must(t, e.CreateChange(store.Change{ID: "done0001", Cluster: "c", Service: "api"}))
	must(t, e.LockService("c", "api", "done0001"))
	_, err = e.Transition("done0001", nil, store.StatusApplied, nil)
	must(t, err)
	must(t, e.CreateChange(store.Change{ID: "live0001", Cluster: "c", Service: "web"}))
	must(t, e.Set("summary:2026-11-25", "posted"))
	clk.Set(T0.Add(72 * time.Hour))
	n, err := e.Prune(T0.Add(24 * time.Hour))
	must(t, err)
	if n != 2 {
		t.Errorf("Prune removed %d, want 2 (the old stop and the finished change)", n)
	}
	if _, err := e.Stop("arn:old"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old stop: %v", err)
	}
	if _, err := e.Stop("arn:new"); err != nil {
		t.Errorf("the new stop: %v", err)
	}
	if _, err := e.Change("live0001"); err != nil {
		t.Errorf("the live change: %v", err)
	}
	if v, err := e.Get("summary:2026-11-25"); err != nil || v != "posted" {
		t.Errorf("the small state: %q, %v", v, err)
	}
	if got, _ := e.Stops("c", "api", time.Time{}); len(got) != 1 {
		t.Errorf("%d stops left, want 1", len(got))
	}
}

// oneWinner: each exactly-once step, tried Attempts times by Racers
// goroutines at once, has exactly one winner.
func oneWinner(t *testing.T, e store.Engine, opt Options) {
	must(t, e.CreateChange(store.Change{ID: "race0001", Cluster: "c", Service: "api", ExpiresAt: T0.Add(time.Hour)}))
	_, err := e.RecordStop(store.StopRecord{TaskArn: "arn:race", Cluster: "c", Service: "api", StoppedAt: T0})
	must(t, err)
	for i := range opt.Attempts {
		must(t, e.CreateChange(store.Change{ID: fmt.Sprintf("lk%06d", i), Cluster: "c", Service: "api"}))
	}
	steps := []struct {
		name string
		try  func(i int) (bool, error)
	}{
		{"approve", func(i int) (bool, error) {
			_, err := e.Transition("race0001", []store.Status{store.StatusPending}, store.StatusApproved, func(c *store.Change) error {
				c.ApprovedBy = fmt.Sprint(i)
				return nil
			})
			if errors.Is(err, store.ErrConflict) {
				return false, nil
			}
			return err == nil, err
		}},
		{"claim", func(i int) (bool, error) { return e.Claim("summary:race", fmt.Sprint(i)) }},
		{"lock", func(i int) (bool, error) {
			err := e.LockService("c", "api", fmt.Sprintf("lk%06d", i))
			if errors.Is(err, store.ErrConflict) {
				return false, nil
			}
			return err == nil, err
		}},
		{"announce", func(int) (bool, error) { return e.ClaimAnnouncement("arn:race") }},
		{"lease", func(i int) (bool, error) {
			_, got, err := e.AcquireLease("leader", fmt.Sprintf("replica-%d", i), time.Minute)
			return got, err
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			var wins, next atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, opt.Racers)
			for range opt.Racers {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= opt.Attempts {
							return
						}
						won, err := st.try(i)
						if err != nil {
							errs <- err
							return
						}
						if won {
							wins.Add(1)
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if n := wins.Load(); n != 1 {
				t.Errorf("%d of %d attempts won, want exactly 1", n, opt.Attempts)
			}
		})
	}
}
