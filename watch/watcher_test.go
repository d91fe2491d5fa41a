package watch

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPollAnnouncesEachStopOnce: the incident's stop is announced with its
// verdict on the first poll, a new stop on the next, nothing twice, and a
// restart on the same store file repeats nothing.
func TestPollAnnouncesEachStopOnce(t *testing.T) {
	t.Parallel()
	s, c := simWorld(t)
	path := storePath(t)
	st := openStore(t, path, c)
	n := &notifier{}
	w := newWatcher(c, st, n, nil)
	ctx := context.Background()

	if err := w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if len(n.alerts) != 1 {
		t.Fatalf("first poll: %d alerts, want the incident's stop", len(n.alerts))
	}
	a := n.alerts[0]
	if a.Cause != "elb-health-check" || a.TaskArn != incidentStop || a.Count != 1 || a.Group != "" {
		t.Errorf("alert = %+v", a)
	}
	for _, want := range []string{"🚨 backend: stopped after failing load-balancer health checks — CPU-starved, not out of memory"} {
		if a.Message.Title != want {
			t.Errorf("title = %q, want %q", a.Message.Title, want)
		}
	}
	if !strings.HasSuffix(a.Message.Footer, "ecsmedic test-1") || len(a.Message.Buttons) == 0 || len(a.Message.Attachments) == 0 {
		t.Errorf("footer %q, %d buttons, %d charts", a.Message.Footer, len(a.Message.Buttons), len(a.Message.Attachments))
	}

	// A quiet round costs one ListTasks per service and nothing else.
	s.ResetCalls()
	if err := w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	for _, call := range s.Calls() {
		ops[call.Operation]++
	}
	if d := cmp.Diff(map[string]int{"ListTasks": 2}, ops); d != "" {
		t.Errorf("a quiet poll's calls (-want +got):\n%s", d)
	}

	stopped := stopRunning(t, c, "frontend", strings.Replace(elbReason, "backend", "frontend", 1))
	s.ResetCalls()
	if err := w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := callsOf(s, "DescribeTasks"); got < 1 {
		t.Errorf("no DescribeTasks for the new stop")
	}
	if len(n.alerts) != 2 || n.alerts[1].TaskArn != stopped || n.alerts[1].Cause != "elb-health-check" || n.alerts[1].Service != "frontend" {
		t.Fatalf("after the frontend stop: %+v", n.alerts)
	}

	// A restart: a new watcher on the same store file.
	st.Close()
	st2 := openStore(t, path, c)
	n2 := &notifier{}
	if err := newWatcher(c, st2, n2, nil).Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if a, u := n2.counts(); a+u != 0 {
		t.Errorf("after a restart: %d alerts, %d updates, want none", a, u)
	}
}

// TestPlannedStops: a stop someone asked for is recorded, and announced
// only when the config says so.
func TestPlannedStops(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		announce bool
		want     int
	}{
		{"quiet by default", false, 0},
		{"announced when asked", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := simWorld(t)
			st := openStore(t, storePath(t), c)
			n := &notifier{}
			w := newWatcher(c, st, n, func(cfg *Config) {
				cfg.Services = incidentRefs[1:] // frontend only
				cfg.AnnounceDeployments = tt.announce
			})
			arn := stopRunning(t, c, "frontend", "")
			if err := w.Poll(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(n.alerts) != tt.want {
				t.Errorf("%d alerts, want %d", len(n.alerts), tt.want)
			}
			recs, err := st.Stops("codedang", "frontend", c.Now().Add(-knownWindow))
			if err != nil || len(recs) != 1 || recs[0].TaskArn != arn || recs[0].Cause != "user-stopped" {
				t.Fatalf("recorded %+v, %v", recs, err)
			}
		})
	}
}

// TestCrashLoopIsOneGroupedAlert: stops of one cause within 30 minutes
// become one alert, updated with the count, whether they come one per
// poll or several in one.
func TestCrashLoopIsOneGroupedAlert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		perPoll     []int // new backend stops before each poll
		wantAlerts  []int // Count of each alert posted
		wantUpdates []int // Count of each update
	}{
		// The incident's own stop is the loop's first.
		{"one per poll", []int{0, 1, 1, 1, 1}, []int{1, 1, 3}, []int{4, 5}},
		{"all at once", []int{0, 4}, []int{1, 5}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := simWorld(t)
			st := openStore(t, storePath(t), c)
			n := &notifier{}
			w := newWatcher(c, st, n, nil)
			for _, k := range tt.perPoll {
				for range k {
					stopRunning(t, c, "backend", elbReason)
				}
				if err := w.Poll(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			var alerts, updates []int
			for _, a := range n.alerts {
				alerts = append(alerts, a.Count)
			}
			for _, a := range n.updates {
				updates = append(updates, a.Count)
			}
			if d := cmp.Diff(tt.wantAlerts, alerts); d != "" {
				t.Errorf("alerts' counts (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantUpdates, updates); d != "" {
				t.Errorf("updates' counts (-want +got):\n%s", d)
			}
			last := n.alerts[len(n.alerts)-1]
			if last.Group == "" || !strings.Contains(last.Message.Title, "stops in") {
				t.Errorf("the loop's alert: group %q, title %q", last.Group, last.Message.Title)
			}
			for i, id := range n.ids {
				if id != "msg-"+strconv.Itoa(len(n.alerts)) {
					t.Errorf("update %d edits %s, want the loop's message", i, id)
				}
			}
		})
	}
}
