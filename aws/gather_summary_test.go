package aws

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

// manyServices is a world of one EC2 cluster, "club", with n services,
// each with four hours of CPU and memory at one point per 5 minutes.
func manyServices(t testing.TB, n int) *world.World {
	t.Helper()
	const now = "2024-04-17T13:40:00+09:00"
	const start = "2024-04-17T09:45:00+09:00"
	arn := "arn:aws:ecs:ap-northeast-2:111122223333:"
	values := strings.TrimSuffix(strings.Repeat("40, ", 48), ", ")
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nnow: %q\nregion: ap-northeast-2\naccountId: \"111122223333\"\n", now)
	fmt.Fprintf(&b, "clusters:\n  - {clusterName: club, clusterArn: %scluster/club, status: ACTIVE, capacityProviders: [club-cp]}\n", arn)
	fmt.Fprintf(&b, "capacityProviders:\n  - {name: club-cp, capacityProviderArn: %scapacity-provider/club-cp, status: ACTIVE}\n  - {name: other-cp, capacityProviderArn: %scapacity-provider/other-cp, status: ACTIVE}\n", arn, arn)
	fmt.Fprintf(&b, "containerInstances:\n")
	for i := range 3 {
		fmt.Fprintf(&b, "  - {containerInstanceArn: %scontainer-instance/club/%032x, ec2InstanceId: i-%017x, status: ACTIVE, agentConnected: true}\n", arn, i+1, i+1)
	}
	b.WriteString("services:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {serviceName: svc%02d, serviceArn: %sservice/club/svc%02d, clusterArn: %scluster/club, status: ACTIVE, taskDefinition: %stask-definition/svc%02d:1, desiredCount: 1, runningCount: 1, launchType: EC2}\n",
			i, arn, i, arn, arn, i)
	}
	b.WriteString("taskDefinitions:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {taskDefinitionArn: %stask-definition/svc%02d:1, family: svc%02d, revision: 1, status: ACTIVE, containerDefinitions: [{name: app, image: app, essential: true, memory: 128}]}\n", arn, i, i)
	}
	b.WriteString("metrics:\n")
	for _, m := range []string{"CPUReservation", "MemoryReservation", "CPUUtilization"} {
		fmt.Fprintf(&b, "  - {namespace: AWS/ECS, metricName: %s, dimensions: {ClusterName: club}, period: 300, start: %q, values: [%s]}\n", m, start, values)
	}
	for i := range n {
		for _, m := range []string{"CPUUtilization", "MemoryUtilization"} {
			fmt.Fprintf(&b, "  - {namespace: AWS/ECS, metricName: %s, dimensions: {ClusterName: club, ServiceName: svc%02d}, period: 300, start: %q, values: [%s]}\n", m, i, start, values)
		}
	}
	w, err := world.Parse("many-services", []byte(b.String()))
	if err != nil {
		t.Fatalf("generated world: %v", err)
	}
	return w
}

func TestGatherSummary(t *testing.T) {
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
		t.Run(tt.name, func(t *testing.T) {
			w := manyServices(t, tt.services)
			s, c := startSim(t, w, sim.Options{Latency: roundLatency})
			snap, err := c.GatherSummary(context.Background(), "club", tt.ask, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			calls := s.Calls()
			ecsCalls := 0
			for _, call := range calls {
				if call.Service == sim.SvcECS {
					ecsCalls++
				}
			}
			if ecsCalls > tt.ecsCalls {
				t.Errorf("%d ECS calls, want at most %d", ecsCalls, tt.ecsCalls)
			}
			if n := count(calls, "GetMetricData"); n != tt.metricCalls {
				t.Errorf("%d GetMetricData calls, want %d", n, tt.metricCalls)
			}
			if n := sim.RoundTrips(calls); n != tt.trips {
				t.Errorf("%d round trips, want %d", n, tt.trips)
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
			if diff := cmp.Diff(tt.missing, snap.Missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGatherSummaryUnknownCluster(t *testing.T) {
	_, c := startSim(t, manyServices(t, 2), sim.Options{})
	_, err := c.GatherSummary(context.Background(), "clubb", nil, time.Time{}, time.Time{})
	want := `cluster "clubb" not found; did you mean club?`
	if errString(err) != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestNewMetricWindow(t *testing.T) {
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
