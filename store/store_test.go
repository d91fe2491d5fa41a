package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	bolt "go.etcd.io/bbolt"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func openTest(t testing.TB) (*Store, *clock, string) {
	t.Helper()
	clk := &clock{t: t0}
	path := filepath.Join(t.TempDir(), "data", "ecsmedic.db")
	s, err := Open(path, Options{Now: clk.Now, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, clk, path
}

func i32(v int32) *int32 { return &v }

func TestOpenInUse(t *testing.T) {
	t.Parallel()
	s, _, path := openTest(t)
	start := time.Now()
	s2, err := Open(path, Options{Timeout: 50 * time.Millisecond})
	elapsed := time.Since(start)
	if err == nil {
		_ = s2.Close()
		t.Fatal("second Open of an open store succeeded, want ErrInUse")
	}
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open: %v, want ErrInUse", err)
	}
	for _, want := range []string{path, "storage.path", "another ecsmedic", fmt.Sprintf("(pid %d?)", os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if elapsed > 5*time.Second {
		t.Errorf("second Open took %v with a 50ms timeout", elapsed)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(path + ".pid"); !os.IsNotExist(err) {
		t.Errorf("pid file left after Close: %v", err)
	}
	s3, err := Open(path, Options{Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if err := s3.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s3.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       []string
	}{
		{"empty path", "", []string{"storage.path"}},
		{"directory", dir, []string{dir, "storage.path"}},
		{"not a store", garbage, []string{garbage, "not an ecsmedic store"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.path, Options{Timeout: 50 * time.Millisecond})
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if errors.Is(err, ErrInUse) {
				t.Errorf("error %v is ErrInUse", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func newChange(id, service string, at time.Time) Change {
	return Change{
		ID: id, Kind: "scale-cpu", Cluster: "prod", Service: service,
		Summary: "api: cpu 256 → 512", RequestedBy: "u1", RequestedByName: "alice",
		RequestedAt: at, ExpiresAt: at.Add(10 * time.Minute),
		Plan: json.RawMessage(`{"cpu":512}`), Fingerprint: "fp1", ChannelID: "c1", MessageID: "m1",
	}
}

func TestCreateChange(t *testing.T) {
	t.Parallel()
	s, _, _ := openTest(t)
	base := newChange("abcd2345", "api", t0.Add(-time.Minute))
	if err := s.CreateChange(base); err != nil {
		t.Fatal(err)
	}
	wantBase := base
	wantBase.Status = StatusPending
	wantBase.UpdatedAt = t0

	tests := []struct {
		name    string
		create  *Change
		get     string
		want    Change
		wantErr error
	}{
		{name: "defaults filled", get: "abcd2345", want: wantBase},
		{name: "typed in upper case", get: " ABCD2345 ", want: wantBase},
		{name: "duplicate id", create: &base, wantErr: ErrExists},
		{name: "no id", create: &Change{Kind: "x"}, wantErr: errors.New("needs an id")},
		{name: "missing", get: "zzzzzzzz", wantErr: ErrNotFound},
		{name: "requested at defaults to now", create: &Change{ID: "new", Status: StatusApproved}, get: "new",
			want: Change{ID: "new", Status: StatusApproved, RequestedAt: t0, UpdatedAt: t0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.create != nil {
				err = s.CreateChange(*tt.create)
			}
			var got Change
			if err == nil && tt.get != "" {
				got, err = s.Change(tt.get)
			}
			checkErr(t, err, tt.wantErr)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("change (-want +got):\n%s", diff)
			}
		})
	}
}

// checkErr checks err against want: nil, a sentinel (errors.Is) or, for
// other errors, a substring of the message.
func checkErr(t *testing.T, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want == nil:
	case err == nil:
		t.Fatalf("no error, want %v", want)
	case errors.Is(err, want):
	case want != ErrNotFound && want != ErrConflict && want != ErrExists && want != ErrInUse &&
		strings.Contains(err.Error(), want.Error()):
	default:
		t.Fatalf("error %v, want %v", err, want)
	}
}

func TestTransition(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name       string
		start      Status
		from       []Status
		to         Status
		mutate     func(*Change) error
		wantErr    error
		wantStatus Status // stored afterwards
		wantRet    func(Change) Change
	}{
		{
			name: "approve", start: StatusPending, from: []Status{StatusPending}, to: StatusApproved,
			mutate:     func(c *Change) error { c.ApprovedBy, c.ApprovedByName, c.ApprovedAt = "u2", "bob", t0; return nil },
			wantStatus: StatusApproved,
			wantRet: func(c Change) Change {
				c.Status, c.ApprovedBy, c.ApprovedByName, c.ApprovedAt, c.UpdatedAt = StatusApproved, "u2", "bob", t0, t0.Add(time.Hour)
				return c
			},
		},
		{
			name: "already approved", start: StatusApproved, from: []Status{StatusPending}, to: StatusApproved,
			wantErr: ErrConflict, wantStatus: StatusApproved,
			wantRet: func(c Change) Change { c.Status = StatusApproved; return c },
		},
		{
			name: "one of several", start: StatusApproved, from: []Status{StatusPending, StatusApproved}, to: StatusCancelled,
			wantStatus: StatusCancelled,
			wantRet:    func(c Change) Change { c.Status, c.UpdatedAt = StatusCancelled, t0.Add(time.Hour); return c },
		},
		{
			name: "any status", start: StatusApplying, to: StatusFailed, wantStatus: StatusFailed,
			mutate: func(c *Change) error { c.Error = "circuit breaker"; return nil },
			wantRet: func(c Change) Change {
				c.Status, c.Error, c.UpdatedAt = StatusFailed, "circuit breaker", t0.Add(time.Hour)
				return c
			},
		},
		{
			name: "mutate fails, nothing saved", start: StatusPending, from: []Status{StatusPending}, to: StatusApproved,
			mutate:  func(c *Change) error { c.Summary = "changed"; return boom },
			wantErr: boom, wantStatus: StatusPending,
			wantRet: func(Change) Change { return Change{} },
		},
		{
			name: "mutate cannot change the id", start: StatusPending, from: []Status{StatusPending}, to: StatusApproved,
			mutate:     func(c *Change) error { c.ID = "other"; return nil },
			wantStatus: StatusApproved,
			wantRet:    func(c Change) Change { c.Status, c.UpdatedAt = StatusApproved, t0.Add(time.Hour); return c },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clk, _ := openTest(t)
			c := newChange("id1", "api", t0)
			c.Status = tt.start
			if err := s.CreateChange(c); err != nil {
				t.Fatal(err)
			}
			c, _ = s.Change("id1")
			clk.Set(t0.Add(time.Hour))
			got, err := s.Transition("id1", tt.from, tt.to, tt.mutate)
			checkErr(t, err, tt.wantErr)
			if diff := cmp.Diff(tt.wantRet(c), got); diff != "" {
				t.Errorf("returned change (-want +got):\n%s", diff)
			}
			stored, err := s.Change("id1")
			if err != nil {
				t.Fatal(err)
			}
			if stored.Status != tt.wantStatus {
				t.Errorf("stored status %q, want %q", stored.Status, tt.wantStatus)
			}
			if tt.wantErr == nil {
				if diff := cmp.Diff(got, stored); diff != "" {
					t.Errorf("stored differs from returned (-returned +stored):\n%s", diff)
				}
			}
		})
	}
	t.Run("conflict names the status", func(t *testing.T) {
		s, _, _ := openTest(t)
		c := newChange("id1", "api", t0)
		c.Status = StatusApplied
		if err := s.CreateChange(c); err != nil {
			t.Fatal(err)
		}
		_, err := s.Transition("id1", []Status{StatusPending}, StatusApproved, nil)
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.Status != StatusApplied || !strings.Contains(err.Error(), "already applied") {
			t.Errorf("error %v, want a ConflictError saying it is already applied", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		s, _, _ := openTest(t)
		_, err := s.Transition("nope", nil, StatusApproved, nil)
		checkErr(t, err, ErrNotFound)
	})
}

func TestTransitionConcurrent(t *testing.T) {
	t.Parallel()
	s, _, _ := openTest(t)
	if err := s.CreateChange(newChange("id1", "api", t0)); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Transition("id1", []Status{StatusPending}, StatusApproved, func(c *Change) error {
				c.ApprovedBy = strconv.Itoa(i)
				return nil
			})
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("approvals %d and %d both succeeded", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, ErrConflict):
			t.Errorf("approval %d: %v, want ErrConflict", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no approval succeeded")
	}
	c, err := s.Change("id1")
	if err != nil {
		t.Fatal(err)
	}
	if c.ApprovedBy != strconv.Itoa(won) {
		t.Errorf("ApprovedBy %q, want the winner %d", c.ApprovedBy, won)
	}
}

func TestChanges(t *testing.T) {
	t.Parallel()
	s, _, _ := openTest(t)
	add := func(id, svc string, status Status, at time.Time) {
		c := newChange(id, svc, at)
		c.Status = status
		if err := s.CreateChange(c); err != nil {
			t.Fatal(err)
		}
	}
	add("a", "api", StatusPending, t0)
	add("b", "api", StatusApplied, t0.Add(time.Minute))
	add("c", "web", StatusPending, t0.Add(2*time.Minute))
	add("d", "web", StatusApproved, t0.Add(3*time.Minute))
	tests := []struct {
		name   string
		filter ChangeFilter
		want   []string
	}{
		{"all, newest first", ChangeFilter{}, []string{"d", "c", "b", "a"}},
		{"by status", ChangeFilter{Statuses: []Status{StatusPending}}, []string{"c", "a"}},
		{"by statuses", ChangeFilter{Statuses: []Status{StatusPending, StatusApproved}}, []string{"d", "c", "a"}},
		{"by service", ChangeFilter{Service: "api"}, []string{"b", "a"}},
		{"both", ChangeFilter{Service: "web", Statuses: []Status{StatusApproved}}, []string{"d"}},
		{"none", ChangeFilter{Service: "db"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := s.Changes(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServiceLock(t *testing.T) {
	t.Parallel()
	s, _, _ := openTest(t)
	for _, id := range []string{"c1", "c2", "c3"} {
		if err := s.CreateChange(newChange(id, "api", t0)); err != nil {
			t.Fatal(err)
		}
	}
	type step struct {
		op, service, id string
		wantErr         error
		wantHolder      string // ServiceLock(prod, service) afterwards
	}
	steps := []step{
		{"free", "api", "", nil, ""},
		{"lock", "api", "c1", nil, "c1"},
		{"lock", "api", "c1", nil, "c1"}, // idempotent
		{"lock", "api", "c2", ErrConflict, "c1"},
		{"lock", "web", "c2", nil, "c2"}, // another service is independent
		{"unlock", "api", "c2", ErrConflict, "c1"},
		{"unlock", "api", "c1", nil, ""},
		{"unlock", "api", "c1", nil, ""}, // already free
		{"lock", "api", "c2", nil, "c2"},
		{"finish c2", "api", "c2", nil, ""}, // a finished holder's lock is stale
		{"lock", "api", "c3", nil, "c3"},
		{"lock", "api", "", errors.New("needs a change id"), "c3"},
	}
	for i, st := range steps {
		var err error
		switch st.op {
		case "lock":
			err = s.LockService("prod", st.service, st.id)
		case "unlock":
			err = s.UnlockService("prod", st.service, st.id)
		case "finish c2":
			_, err = s.Transition("c2", nil, StatusApplied, nil)
		}
		t.Run(fmt.Sprintf("%d %s %s %s", i, st.op, st.service, st.id), func(t *testing.T) {
			checkErr(t, err, st.wantErr)
			if errors.Is(err, ErrConflict) && !strings.Contains(err.Error(), "c1") {
				t.Errorf("conflict %q does not name the holder c1", err)
			}
			got, err := s.ServiceLock("prod", st.service)
			if err != nil {
				t.Fatal(err)
			}
			if got != st.wantHolder {
				t.Errorf("holder %q, want %q", got, st.wantHolder)
			}
		})
	}
}

func TestAudit(t *testing.T) {
	t.Parallel()
	s, clk, _ := openTest(t)
	for i := range 5 {
		clk.Set(t0.Add(time.Duration(i) * time.Minute))
		r, err := s.Audit(AuditRecord{Seq: 99, Event: "request", ChangeID: "c" + strconv.Itoa(i), Actor: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Seq != uint64(i+1) || !r.At.Equal(clk.Now()) {
			t.Errorf("record %d: seq %d at %v, want seq %d at %v", i, r.Seq, r.At, i+1, clk.Now())
		}
	}
	given, err := s.Audit(AuditRecord{Event: "outcome", At: t0.Add(time.Hour), Before: "256", After: "512"})
	if err != nil || !given.At.Equal(t0.Add(time.Hour)) || given.Seq != 6 {
		t.Errorf("Audit with At: %+v, %v", given, err)
	}
	if _, err := s.Audit(AuditRecord{}); err == nil {
		t.Error("Audit without an event succeeded")
	}
	tests := []struct {
		name  string
		since time.Time
		limit int
		want  []uint64
	}{
		{"all", time.Time{}, 0, []uint64{1, 2, 3, 4, 5, 6}},
		{"since", t0.Add(3 * time.Minute), 0, []uint64{4, 5, 6}},
		{"limit keeps the newest", time.Time{}, 2, []uint64{5, 6}},
		{"both", t0.Add(time.Minute), 10, []uint64{2, 3, 4, 5, 6}},
		{"future", t0.Add(2 * time.Hour), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := s.AuditLog(tt.since, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, r := range rs {
				got = append(got, r.Seq)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("seqs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecordStop(t *testing.T) {
	t.Parallel()
	first := StopRecord{
		TaskArn: "arn:task/1", Cluster: "prod", Service: "api",
		StartedAt: t0.Add(-time.Hour), StoppingAt: t0.Add(-time.Minute),
		StopCode: "EssentialContainerExited",
		Containers: []StopContainer{
			{Name: "app", ExitCode: i32(137)},
			{Name: "sidecar", Reason: "killed"},
		},
	}
	tests := []struct {
		name    string
		records []StopRecord
		setNow  time.Time
		wantNew []bool
		want    StopRecord
	}{
		{
			name: "first record gets FirstSeen now", records: []StopRecord{first}, wantNew: []bool{true},
			want: func() StopRecord { r := first; r.FirstSeen = t0; return r }(),
		},
		{
			name: "second record merges and keeps FirstSeen",
			records: []StopRecord{first, {
				TaskArn: "arn:task/1", StoppedAt: t0, StoppedReason: "Essential container in task exited",
				Containers: []StopContainer{{Name: "app", Reason: "OutOfMemoryError"}, {Name: "sidecar", ExitCode: i32(0)}, {Name: "log"}},
				Cause:      "oom", Diagnosis: json.RawMessage(`{"kind":"oom"}`), FirstSeen: t0.Add(time.Hour),
				AnnouncedAt: t0.Add(time.Hour),
			}},
			wantNew: []bool{true, false},
			want: StopRecord{
				TaskArn: "arn:task/1", Cluster: "prod", Service: "api",
				StartedAt: t0.Add(-time.Hour), StoppingAt: t0.Add(-time.Minute), StoppedAt: t0,
				StopCode: "EssentialContainerExited", StoppedReason: "Essential container in task exited",
				Containers: []StopContainer{
					{Name: "app", ExitCode: i32(137), Reason: "OutOfMemoryError"},
					{Name: "sidecar", ExitCode: i32(0), Reason: "killed"},
					{Name: "log"},
				},
				Cause: "oom", Diagnosis: json.RawMessage(`{"kind":"oom"}`), FirstSeen: t0,
				AnnouncedAt: t0.Add(time.Hour), // was not set before, so the first value given counts
			},
		},
		{
			name:    "given FirstSeen kept",
			records: []StopRecord{{TaskArn: "arn:task/2", Cluster: "prod", Service: "api", FirstSeen: t0.Add(-time.Hour)}},
			wantNew: []bool{true},
			want:    StopRecord{TaskArn: "arn:task/2", Cluster: "prod", Service: "api", FirstSeen: t0.Add(-time.Hour)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := openTest(t)
			var gotNew []bool
			for _, r := range tt.records {
				isNew, err := s.RecordStop(r)
				if err != nil {
					t.Fatal(err)
				}
				gotNew = append(gotNew, isNew)
			}
			if diff := cmp.Diff(tt.wantNew, gotNew); diff != "" {
				t.Errorf("isNew (-want +got):\n%s", diff)
			}
			got, err := s.Stop(tt.want.TaskArn)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
			// The index follows the record: exactly one entry, found by Stops.
			all, err := s.Stops("", "", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]StopRecord{tt.want}, all); diff != "" {
				t.Errorf("Stops (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("invalid", func(t *testing.T) {
		s, _, _ := openTest(t)
		for _, r := range []StopRecord{{}, {TaskArn: "x", Cluster: "a\x00b"}} {
			if _, err := s.RecordStop(r); err == nil {
				t.Errorf("RecordStop(%+v) succeeded", r)
			}
		}
		if _, err := s.Stop("missing"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stop(missing): %v, want ErrNotFound", err)
		}
	})
}

func TestClaimAnnouncement(t *testing.T) {
	t.Parallel()
	s, clk, path := openTest(t)
	if _, err := s.ClaimAnnouncement("arn:task/1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("claim of an unrecorded stop: %v, want ErrNotFound", err)
	}
	if _, err := s.RecordStop(StopRecord{TaskArn: "arn:task/1", Cluster: "prod", Service: "api", StoppedAt: t0}); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(time.Minute))
	const n = 20
	var wg sync.WaitGroup
	firsts := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			firsts[i], errs[i] = s.ClaimAnnouncement("arn:task/1")
		}()
	}
	wg.Wait()
	wins := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("claim %d: %v", i, errs[i])
		}
		if firsts[i] {
			wins++
		}
	}
	if wins != 1 {
		t.Errorf("%d claims won, want exactly 1", wins)
	}
	// A later RecordStop (the other watcher source) does not reset it, nor
	// does a restart.
	if _, err := s.RecordStop(StopRecord{TaskArn: "arn:task/1", StoppedReason: "again"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if first, err := s2.ClaimAnnouncement("arn:task/1"); first || err != nil {
		t.Errorf("claim after restart: %v, %v; want false, nil", first, err)
	}
	r, err := s2.Stop("arn:task/1")
	if err != nil || !r.AnnouncedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("AnnouncedAt %v (%v), want %v", r.AnnouncedAt, err, t0.Add(time.Minute))
	}
}

func TestSetStopAlert(t *testing.T) {
	t.Parallel()
	s, _, _ := openTest(t)
	if _, err := s.RecordStop(StopRecord{TaskArn: "t1", Cluster: "prod", Service: "api"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, arn, msg, group string
		wantErr               error
		wantMsg, wantGroup    string
	}{
		{"both", "t1", "m1", "g1", nil, "m1", "g1"},
		{"empty keeps", "t1", "", "", nil, "m1", "g1"},
		{"group only", "t1", "", "g2", nil, "m1", "g2"},
		{"missing", "t9", "m", "g", ErrNotFound, "m1", "g2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, s.SetStopAlert(tt.arn, tt.msg, tt.group), tt.wantErr)
			r, err := s.Stop("t1")
			if err != nil {
				t.Fatal(err)
			}
			if r.AlertMessageID != tt.wantMsg || r.Group != tt.wantGroup {
				t.Errorf("message %q group %q, want %q %q", r.AlertMessageID, r.Group, tt.wantMsg, tt.wantGroup)
			}
		})
	}
}

func TestStops(t *testing.T) {
	t.Parallel()
	s, _, _ := openTest(t)
	add := func(arn, cluster, service string, stopped time.Time) {
		t.Helper()
		r := StopRecord{TaskArn: arn, Cluster: cluster, Service: service, StoppedAt: stopped}
		if _, err := s.RecordStop(r); err != nil {
			t.Fatal(err)
		}
	}
	add("a1", "prod", "api", t0.Add(1*time.Minute))
	add("a2", "prod", "api", t0.Add(3*time.Minute))
	add("w1", "prod", "web", t0.Add(2*time.Minute))
	add("x1", "prod", "api-v2", t0.Add(4*time.Minute)) // prefix of "api" must not match
	add("s1", "staging", "api", t0.Add(5*time.Minute))
	add("old", "prod", "api", t0.Add(-72*time.Hour))
	add("neg", "prod", "api", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)) // before 1970 still sorts
	// No StoppedAt yet: sorted by StoppingAt.
	if _, err := s.RecordStop(StopRecord{TaskArn: "a3", Cluster: "prod", Service: "api", StoppingAt: t0.Add(10 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, cluster, service string
		since                  time.Time
		want                   []string
	}{
		{"service", "prod", "api", time.Time{}, []string{"a3", "a2", "a1", "old", "neg"}},
		{"service since", "prod", "api", t0, []string{"a3", "a2", "a1"}},
		{"service since exact", "prod", "api", t0.Add(3 * time.Minute), []string{"a3", "a2"}},
		{"cluster", "prod", "", t0, []string{"a3", "x1", "a2", "w1", "a1"}},
		{"everything", "", "", t0, []string{"a3", "s1", "x1", "a2", "w1", "a1"}},
		{"service in every cluster", "", "api", t0, []string{"a3", "s1", "a2", "a1"}},
		{"unknown", "prod", "db", time.Time{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := s.Stops(tt.cluster, tt.service, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.TaskArn)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("arns (-want +got):\n%s", diff)
			}
		})
	}
	// A stop that moves in time (stopping, then stopped) is listed once.
	if _, err := s.RecordStop(StopRecord{TaskArn: "a3", StoppedAt: t0.Add(11 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Stops("prod", "api", t0.Add(10*time.Minute))
	if err != nil || len(rs) != 1 || !rs[0].StoppedAt.Equal(t0.Add(11*time.Minute)) {
		t.Errorf("after the move: %+v, %v", rs, err)
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	s, clk, _ := openTest(t)
	for i, arn := range []string{"old1", "old2", "new1"} {
		at := t0.Add(-48 * time.Hour)
		if i == 2 {
			at = t0
		}
		if _, err := s.RecordStop(StopRecord{TaskArn: arn, Cluster: "prod", Service: "api", StoppedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(t0.Add(-48 * time.Hour))
	mk := func(id string, status Status) {
		c := newChange(id, "api", clk.Now())
		c.Status = status
		if err := s.CreateChange(c); err != nil {
			t.Fatal(err)
		}
	}
	mk("oldApplied", StatusApplied)
	mk("oldRejected", StatusRejected)
	mk("oldPending", StatusPending) // not finished: kept however old
	mk("oldHolder", StatusApplying)
	if err := s.LockService("prod", "api", "oldHolder"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition("oldHolder", nil, StatusApplied, nil); err != nil { // crashed before unlocking
		t.Fatal(err)
	}
	if _, err := s.Audit(AuditRecord{Event: "request"}); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0)
	mk("newApplied", StatusApplied)
	if err := s.Set("summary:2026-11-23", "posted"); err != nil {
		t.Fatal(err)
	}

	n, err := s.Prune(t0.Add(-24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("Prune removed %d, want 5 (2 stops, 3 changes)", n)
	}
	stops, _ := s.Stops("", "", time.Time{})
	changes, _ := s.Changes(ChangeFilter{})
	audit, _ := s.AuditLog(time.Time{}, 0)
	var gotStops, gotChanges []string
	for _, r := range stops {
		gotStops = append(gotStops, r.TaskArn)
	}
	for _, c := range changes {
		gotChanges = append(gotChanges, c.ID)
	}
	want := map[string][]string{"stops": {"new1"}, "changes": {"newApplied", "oldPending"}}
	got := map[string][]string{"stops": gotStops, "changes": gotChanges}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("after Prune (-want +got):\n%s", diff)
	}
	if len(audit) != 1 {
		t.Errorf("audit has %d records after Prune, want 1 (kept)", len(audit))
	}
	if v, err := s.Get("summary:2026-11-23"); v != "posted" || err != nil {
		t.Errorf("kv after Prune: %q, %v", v, err)
	}
	for _, arn := range []string{"old1", "old2"} {
		if _, err := s.Stop(arn); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stop(%s) after Prune: %v, want ErrNotFound", arn, err)
		}
	}
	if err := s.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketLocks).Cursor().First(); k != nil {
			return fmt.Errorf("stale lock %q left", k)
		}
		if n := tx.Bucket(bucketStopIndex).Stats().KeyN; n != 1 {
			return fmt.Errorf("%d index entries, want 1", n)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}

func TestKV(t *testing.T) {
	t.Parallel()
	s, _, _ := openTest(t)
	type step struct {
		op, key, value string
		wantOK         bool
		wantErr        error
		wantGet        string // "" = absent
	}
	steps := []step{
		{op: "get", key: "k", wantErr: ErrNotFound},
		{op: "set", key: "k", value: "v1", wantGet: "v1"},
		{op: "set", key: "k", value: "v2", wantGet: "v2"},
		{op: "claim", key: "k", value: "v3", wantOK: false, wantGet: "v2"},
		{op: "claim", key: "summary:2026-11-25", value: "x", wantOK: true, wantGet: "x"},
		{op: "claim", key: "summary:2026-11-25", value: "y", wantOK: false, wantGet: "x"},
		{op: "delete", key: "k"},
		{op: "delete", key: "k"},
		{op: "set", key: "", wantErr: errors.New("empty key")},
		{op: "claim", key: "", wantErr: errors.New("empty key")},
	}
	for i, st := range steps {
		t.Run(fmt.Sprintf("%d %s %s", i, st.op, st.key), func(t *testing.T) {
			var ok bool
			var err error
			switch st.op {
			case "get":
				_, err = s.Get(st.key)
			case "set":
				err = s.Set(st.key, st.value)
			case "claim":
				ok, err = s.Claim(st.key, st.value)
			case "delete":
				err = s.Delete(st.key)
			}
			checkErr(t, err, st.wantErr)
			if ok != st.wantOK {
				t.Errorf("claimed %v, want %v", ok, st.wantOK)
			}
			if st.key == "" || st.op == "get" {
				return
			}
			got, err := s.Get(st.key)
			if st.wantGet == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("Get: %q, %v; want ErrNotFound", got, err)
				}
			} else if got != st.wantGet || err != nil {
				t.Errorf("Get: %q, %v; want %q", got, err, st.wantGet)
			}
		})
	}
	t.Run("concurrent claim", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 20 {
			wg.Go(func() {
				ok, err := s.Claim("replica", "me")
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d claims won, want 1", wins)
		}
	})
}

func TestReopenKeepsEverything(t *testing.T) {
	t.Parallel()
	s, clk, path := openTest(t)
	c := newChange("id1", "api", t0)
	if err := s.CreateChange(c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition("id1", []Status{StatusPending}, StatusApproved, func(c *Change) error {
		c.ApprovedBy, c.ApprovedAt = "u2", t0
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.LockService("prod", "api", "id1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Audit(AuditRecord{Event: "approve", ChangeID: "id1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordStop(StopRecord{TaskArn: "t1", Cluster: "prod", Service: "api", StoppedAt: t0, Containers: []StopContainer{{Name: "app", ExitCode: i32(1)}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("k", "v"); err != nil {
		t.Fatal(err)
	}
	type snapshot struct {
		Change  Change
		Lock    string
		Audit   []AuditRecord
		Stops   []StopRecord
		KV      string
		Changes []Change
	}
	snap := func(s *Store) snapshot {
		t.Helper()
		var sn snapshot
		var errs [6]error
		sn.Change, errs[0] = s.Change("id1")
		sn.Lock, errs[1] = s.ServiceLock("prod", "api")
		sn.Audit, errs[2] = s.AuditLog(time.Time{}, 0)
		sn.Stops, errs[3] = s.Stops("prod", "api", time.Time{})
		sn.KV, errs[4] = s.Get("k")
		sn.Changes, errs[5] = s.Changes(ChangeFilter{})
		if err := errors.Join(errs[:]...); err != nil {
			t.Fatal(err)
		}
		return sn
	}
	before := snap(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	after := snap(s2)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("after reopen (-before +after):\n%s", diff)
	}
	if before.Lock != "id1" || len(before.Audit) != 1 || len(before.Stops) != 1 {
		t.Errorf("snapshot incomplete: %+v", before)
	}
	// Sequences continue.
	r, err := s2.Audit(AuditRecord{Event: "outcome"})
	if err != nil || r.Seq != 2 {
		t.Errorf("audit after reopen: seq %d, %v; want 2", r.Seq, err)
	}
}

func TestNewChangeID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := NewChangeID()
		if len(id) != 8 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("id %q is not 8 lower-case base32 characters", id)
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
	}
	if got := NormalizeID(" AB2C "); got != "ab2c" {
		t.Errorf("NormalizeID = %q", got)
	}
}

func TestTimeKeyOrder(t *testing.T) {
	t.Parallel()
	times := []time.Time{
		{},
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(0, -1),
		time.Unix(0, 0),
		t0,
		t0.Add(time.Nanosecond),
	}
	for i := 1; i < len(times); i++ {
		a, b := timeKey(times[i-1]), timeKey(times[i])
		if string(a) >= string(b) {
			t.Errorf("key of %v !< key of %v", times[i-1], times[i])
		}
		if got := timeFromKey(b); !got.Equal(times[i]) {
			t.Errorf("round trip of %v gave %v", times[i], got)
		}
	}
}
