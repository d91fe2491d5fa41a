package fleetmetrics

import (
	"context"
	"math"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/bot"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
)

// The club's number: /metrics serves backend's CPU as a share of its
// reservation, 0.99 at the incident, read ahead of the scrape, and the
// scrape itself asks AWS nothing.
func TestIncidentReservationShares(t *testing.T) {
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	s, c := simFleet(t, w, incidentTime)
	var calls atomic.Int64
	c.Observe(func(string, string, time.Duration, error) { calls.Add(1) })
	f := New(Config{Services: refsOf(w, map[string]string{"frontend": "web"})}, c)
	url := serve(t, f)

	if err := f.Refresh(context.Background()); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	var gmd int
	for _, call := range s.Calls() {
		if call.Operation == "GetMetricData" {
			gmd++
		}
	}
	if gmd != 1 {
		t.Errorf("the refresh made %d GetMetricData calls, want 1 batch for both services and the cluster", gmd)
	}

	s.ResetCalls()
	before := calls.Load()
	scrape(t, url)
	fams := scrape(t, url) // a second scrape: still from the cache
	if n := len(s.Calls()); n != 0 || calls.Load() != before {
		t.Errorf("scraping /metrics twice made %d AWS calls (observer: %d), want 0", n, calls.Load()-before)
	}

	backend := map[string]string{"cluster": "codedang", "service": "backend", "ecs_service": "backend"}
	web := map[string]string{"cluster": "codedang", "service": "web", "ecs_service": "frontend"}
	cluster := map[string]string{"cluster": "codedang"}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ecsmedic_service_cpu_reservation_ratio", backend, 0.993}, // 13:33, the minute before the stop
		{"ecsmedic_service_memory_reservation_ratio", backend, 0.518},
		{"ecsmedic_service_cpu_reservation_ratio", web, 0.106},
		{"ecsmedic_service_running_tasks", backend, 1},
		{"ecsmedic_service_desired_tasks", backend, 1},
		{"ecsmedic_service_pending_tasks", backend, 0},
		{"ecsmedic_service_targets", backend, 1},
		{"ecsmedic_service_unhealthy_targets", backend, 0}, // the world's present: the new task is healthy
		{"ecsmedic_cluster_cpu_reservation_ratio", cluster, 0.945},
		{"ecsmedic_cluster_memory_reservation_ratio", cluster, 0.701},
		{"ecsmedic_cluster_reservation_scaling_enabled", cluster, 0}, // the CPUReservation policy is off
		{"ecsmedic_cluster_can_grow", cluster, 0},
		{"ecsmedic_fleet_last_refresh_timestamp_seconds", cluster, float64(incidentTime.Unix())},
	} {
		got, ok := value(fams, tc.name, tc.labels)
		if !ok {
			t.Errorf("/metrics has no %s%v", tc.name, tc.labels)
			continue
		}
		if math.Abs(got-tc.want) > 0.0015 {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	// Container Insights is off in the incident's cluster: no per-task
	// series, rather than made-up ones.
	if _, ok := fams["ecsmedic_task_cpu_reservation_ratio"]; ok {
		t.Error("per-task series without Container Insights")
	}
}

// With Container Insights on, each running task has its own share.
func TestTaskSharesWithContainerInsights(t *testing.T) {
	w, err := world.Load("testdata/insights.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, c := simFleet(t, w, w.Now)
	f := New(Config{Services: refsOf(w, nil)}, c)
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	fams := scrape(t, serve(t, f))
	for _, tc := range []struct {
		name, task string
		want       float64
	}{
		{"ecsmedic_task_cpu_reservation_ratio", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0.97},
		{"ecsmedic_task_cpu_reservation_ratio", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 0.31},
		{"ecsmedic_task_memory_reservation_ratio", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0.45},
	} {
		got, ok := value(fams, tc.name, map[string]string{"service": "api", "task": tc.task})
		if !ok || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s{task=%s} = %v (present %v), want %v", tc.name, tc.task, got, ok, tc.want)
		}
	}
	if got := labelValues(fams, "ecsmedic_task_cpu_reservation_ratio", "task"); len(got) != 2 {
		t.Errorf("tasks with a CPU share: %v, want the two running ones (the stopped one has none)", got)
	}
}

// A service that leaves the snapshot loses its series; the others stay.
func TestUpdateDropsServicesGone(t *testing.T) {
	f := New(Config{Cluster: "club"}, nil)
	url := serve(t, f)
	snap := func(names ...string) *aws.ClusterSnapshot {
		s := &aws.ClusterSnapshot{Now: fleet.Now, Cluster: ecstypes.Cluster{ClusterName: awssdk.String("club")}, ServiceMetrics: map[string]map[string]aws.Series{}}
		for _, n := range names {
			s.Services = append(s.Services, ecstypes.Service{ServiceName: awssdk.String(n), RunningCount: 1, DesiredCount: 2})
			s.ServiceMetrics[n] = map[string]aws.Series{aws.MetricServiceCPUAvg: {Points: []aws.Sample{{T: fleet.Now, V: 50}}}}
		}
		return s
	}
	f.Update(Reading{Snapshot: snap("a", "b")})
	if got := labelValues(scrape(t, url), "ecsmedic_service_desired_tasks", "service"); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("services %v, want [a b]", got)
	}
	f.Update(Reading{Snapshot: snap("b")})
	fams := scrape(t, url)
	for _, name := range []string{"ecsmedic_service_desired_tasks", "ecsmedic_service_cpu_reservation_ratio"} {
		if got := labelValues(fams, name, "service"); !slices.Equal(got, []string{"b"}) {
			t.Errorf("%s: services %v after a left, want [b]", name, got)
		}
	}
	// Unread target health and a missing metric are absent, not 0.
	for _, name := range []string{"ecsmedic_service_unhealthy_targets", "ecsmedic_service_memory_reservation_ratio"} {
		if _, ok := fams[name]; ok {
			t.Errorf("%s is served though nothing was read", name)
		}
	}
}

// Run refreshes at once, not only after the first Interval, and stops
// when its context ends.
func TestRunRefreshesAtStart(t *testing.T) {
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	_, c := simFleet(t, w, incidentTime)
	reads := make(chan struct{}, 8)
	c.Observe(func(_, op string, _ time.Duration, _ error) {
		if op == "GetMetricData" {
			reads <- struct{}{}
		}
	})
	f := New(Config{Services: refsOf(w, nil), Interval: time.Hour}, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	<-reads
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

// Fifty services are one GetMetricData call per refresh (203 queries, under
// the 500 of a call) and a handful of ECS calls, and /metrics serves all of
// them.
func TestRefreshFiftyServices(t *testing.T) {
	w, err := fleet.World(50, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, c := simFleet(t, w, fleet.Now)
	f := New(Config{Services: refsOf(w, nil)}, c)
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	tally := fleet.Count(s.Calls())
	t.Logf("one refresh of 50 services: %d ECS calls, %d GetMetricData, %d calls in all", tally.ECS, tally.GetMetricData, len(s.Calls()))
	if tally.GetMetricData != 1 || tally.ECS > 12 {
		t.Errorf("one refresh of 50 services: %+v, want 1 GetMetricData and at most 12 ECS calls", tally)
	}
	if got := labelValues(scrape(t, serve(t, f)), "ecsmedic_service_cpu_reservation_ratio", "service"); len(got) != 50 {
		t.Errorf("%d services with a CPU share, want 50", len(got))
	}
}

func BenchmarkScrape(b *testing.B) {
	w, err := fleet.World(50, fleet.Options{})
	if err != nil {
		b.Fatal(err)
	}
	refs := refsOf(w, nil)
	f := New(Config{Services: refs}, nil)
	snap := &aws.ClusterSnapshot{Now: fleet.Now, Cluster: ecstypes.Cluster{ClusterName: awssdk.String("club")}, ServiceMetrics: map[string]map[string]aws.Series{}}
	for _, r := range refs {
		snap.Services = append(snap.Services, ecstypes.Service{ServiceName: awssdk.String(r.Service), RunningCount: 1, DesiredCount: 1})
		snap.ServiceMetrics[r.Service] = map[string]aws.Series{aws.MetricServiceCPUAvg: {Points: []aws.Sample{{T: fleet.Now, V: 40}}}}
	}
	f.Update(Reading{Snapshot: snap})
	m := bot.NewMetrics()
	if err := m.Register(f); err != nil {
		b.Fatal(err)
	}
	h := m.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	}
}
