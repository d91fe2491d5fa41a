package aws

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
)

// manyServices is a world of one EC2 cluster, "club", with n services,
// each with four hours of CPU and memory at one point per 5 minutes.
func manyServices(t testing.TB, n int) *world.World {
	t.Helper()
	w, err := fleet.World(n, fleet.Options{Hours: 4, CapacityProviders: true})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestGatherSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		services     int
		ask          []string
		wantServices int
		ecsCalls     int // at most
		metricCalls  int
		trips        int
		missing      []string
	}{
		{name: "50 services", services: 50, wantServices: 50, ecsCalls: 10, metricCalls: 1, trips: 2},
		// 130 × 4 + 3 = 523 queries: two GetMetricData calls, side by side;
		// ListServices needs a second page, hence a third round.
		{name: "130 services", services: 130, wantServices: 130, ecsCalls: 19, metricCalls: 2, trips: 3},
		{name: "named services", services: 50, ask: []string{"svc07", "arn:aws:ecs:ap-northeast-2:111122223333:service/club/svc08", "nope"},
			wantServices: 2, ecsCalls: 5, metricCalls: 1, trips: 2, missing: []string{"service nope: not found in cluster club"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, inBubble(func(t *testing.T) {
			w := manyServices(t, tt.services)
			s, c := startSimRounds(t, w, sim.Options{Latency: roundLatency})
			snap, err := c.GatherSummary(context.Background(), "club", tt.ask, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			got := fleet.Count(s.Calls())
			if got.ECS > tt.ecsCalls {
				t.Errorf("%d ECS calls, want at most %d", got.ECS, tt.ecsCalls)
			}
			if got.GetMetricData != tt.metricCalls {
				t.Errorf("%d GetMetricData calls, want %d", got.GetMetricData, tt.metricCalls)
			}
			if got.RoundTrips != tt.trips {
				t.Errorf("%d round trips, want %d", got.RoundTrips, tt.trips)
			}
			if len(snap.Services) != tt.wantServices {
				t.Errorf("%d services, want %d", len(snap.Services), tt.wantServices)
			}
			for _, svc := range snap.Services {
				name := aws.ToString(svc.ServiceName)
				for _, k := range []string{MetricServiceCPUAvg, MetricServiceCPUMax, MetricServiceMemAvg, MetricServiceMemMax} {
					if len(snap.ServiceMetrics[name][k].Points) == 0 {
						t.Errorf("%s: no %s points", name, k)
					}
				}
			}
			for _, k := range []string{MetricClusterCPURes, MetricClusterMemRes, MetricClusterCPUUtil} {
				if len(snap.Metrics[k].Points) == 0 {
					t.Errorf("cluster: no %s points", k)
				}
			}
			if len(snap.ContainerInstances) != 3 || len(snap.CapacityProviders) != 1 || aws.ToString(snap.Cluster.ClusterName) != "club" {
				t.Errorf("cluster %q with %d instances and %d providers, want club, 3 and 1 (its own)",
					aws.ToString(snap.Cluster.ClusterName), len(snap.ContainerInstances), len(snap.CapacityProviders))
			}
			if diff := cmp.Diff(tt.missing, missingLines(snap.Missing)); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
		}))
	}
}

func TestGatherSummaryUnknownCluster(t *testing.T) {
	t.Parallel()
	_, c := startSim(t, manyServices(t, 2), sim.Options{})
	_, err := c.GatherSummary(context.Background(), "clubb", nil, time.Time{}, time.Time{})
	want := `cluster "clubb" not found; did you mean club?`
	if errString(err) != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestNewMetricWindow(t *testing.T) {
	t.Parallel()
	now := mustTime("2024-04-17T13:40:00+09:00")
	tests := []struct {
		name    string
		start   time.Time
		end     time.Time
		queries int
		want    int32
	}{
		{name: "an hour", start: now.Add(-time.Hour), end: now, queries: 7, want: 60},
		{name: "a day, few series", start: now.Add(-24 * time.Hour), end: now, queries: 7, want: 60},
		// 500 series × 1440 minutes is over 100,800 points a call.
		{name: "a day, full batch", start: now.Add(-24 * time.Hour), end: now, queries: 500, want: 480},
		{name: "three weeks ago", start: now.Add(-21 * 24 * time.Hour), end: now.Add(-20 * 24 * time.Hour), queries: 4, want: 300},
		{name: "three months ago", start: now.Add(-90 * 24 * time.Hour), end: now.Add(-89 * 24 * time.Hour), queries: 4, want: 3600},
		{name: "empty window", start: now, end: now, queries: 1, want: 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newMetricWindow(now, tt.start, tt.end, tt.queries)
			if w.Period != tt.want {
				t.Errorf("period = %d, want %d", w.Period, tt.want)
			}
			if pts := int(w.End.Sub(w.Start).Seconds()) / int(w.Period) * min(tt.queries, 500); pts > maxPointsPerCall {
				t.Errorf("%d points a call, over the limit", pts)
			}
		})
	}
}
