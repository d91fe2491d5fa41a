package commands

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

// benchWorld is one EC2 cluster, "club", with n services and a day of CPU
// and memory at one point per 5 minutes.
func benchWorld(b *testing.B, n int) *world.World {
	b.Helper()
	const now = "2024-04-17T13:40:00+09:00"
	const start = "2024-04-16T13:45:00+09:00"
	arn := "arn:aws:ecs:ap-northeast-2:111122223333:"
	vals := make([]string, 288)
	for i := range vals {
		vals[i] = fmt.Sprint(30 + i%50)
	}
	values := strings.Join(vals, ", ")
	var s strings.Builder
	fmt.Fprintf(&s, "version: 1\nnow: %q\nregion: ap-northeast-2\naccountId: \"111122223333\"\n", now)
	fmt.Fprintf(&s, "clusters:\n  - {clusterName: club, clusterArn: %scluster/club, status: ACTIVE}\n", arn)
	s.WriteString("containerInstances:\n")
	for i := range 3 {
		fmt.Fprintf(&s, "  - {containerInstanceArn: %scontainer-instance/club/%032x, ec2InstanceId: i-%017x, status: ACTIVE, agentConnected: true}\n", arn, i+1, i+1)
	}
	s.WriteString("services:\n")
	for i := range n {
		fmt.Fprintf(&s, "  - {serviceName: svc%02d, serviceArn: %sservice/club/svc%02d, clusterArn: %scluster/club, status: ACTIVE, taskDefinition: %stask-definition/svc%02d:1, desiredCount: 1, runningCount: 1, launchType: EC2}\n",
			i, arn, i, arn, arn, i)
	}
	s.WriteString("taskDefinitions:\n")
	for i := range n {
		fmt.Fprintf(&s, "  - {taskDefinitionArn: %stask-definition/svc%02d:1, family: svc%02d, revision: 1, status: ACTIVE, containerDefinitions: [{name: app, image: app, essential: true, memory: 128}]}\n", arn, i, i)
	}
	s.WriteString("metrics:\n")
	for _, m := range []string{"CPUReservation", "MemoryReservation", "CPUUtilization"} {
		fmt.Fprintf(&s, "  - {namespace: AWS/ECS, metricName: %s, dimensions: {ClusterName: club}, period: 300, start: %q, values: [%s]}\n", m, start, values)
	}
	for i := range n {
		for _, m := range []string{"CPUUtilization", "MemoryUtilization"} {
			fmt.Fprintf(&s, "  - {namespace: AWS/ECS, metricName: %s, dimensions: {ClusterName: club, ServiceName: svc%02d}, period: 300, start: %q, values: [%s]}\n", m, i, start, values)
		}
	}
	w, err := world.Parse("bench-50", []byte(s.String()))
	if err != nil {
		b.Fatalf("generated world: %v", err)
	}
	return w
}

// BenchmarkSummary50 builds the whole summary reply (gather, stops,
// render, chart) for 50 services at 100 ms a call, with a stop history
// (the bot's normal case) and without one (stops from ECS).
func BenchmarkSummary50(b *testing.B) {
	for _, mode := range []struct {
		name  string
		stops StopHistory
	}{{"history", fakeHistory{}}, {"no-store", nil}} {
		b.Run(mode.name, func(b *testing.B) {
			w := benchWorld(b, 50)
			s := sim.New(w, sim.Options{Freeze: true, Latency: 100 * time.Millisecond})
			url, err := s.Listen("127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			c := aws.NewClientsForEndpoint(url, w.Region)
			defer c.CloseIdleConnections()
			now := w.Now
			c.Now = func() time.Time { return now }
			var refs []ServiceRef
			for i := range 50 {
				refs = append(refs, ServiceRef{Cluster: "club", Service: fmt.Sprintf("svc%02d", i)})
			}
			r := NewRouter(Env{Services: refs, AWS: c, Now: c.Now, Stops: mode.stops})
			ctx := context.Background()
			var ecsCalls, metricCalls, trips int
			var wall time.Duration
			var peak uint64
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			for b.Loop() {
				s.ResetCalls()
				start := time.Now()
				m := r.Summary(ctx, Input{})[0]
				wall += time.Since(start)
				if m.Failed {
					b.Fatal(m.Description)
				}
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
				log := s.Calls()
				trips += sim.RoundTrips(log)
				for _, call := range log {
					switch {
					case call.Service == sim.SvcECS:
						ecsCalls++
					case call.Operation == "GetMetricData":
						metricCalls++
					}
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(ecsCalls)/n, "ecs-calls/op")
			b.ReportMetric(float64(metricCalls)/n, "getmetricdata/op")
			b.ReportMetric(float64(trips)/n, "roundtrips/op")
			b.ReportMetric(float64(wall.Milliseconds())/n, "wall-ms/op")
			b.ReportMetric(float64(peak)/(1<<20), "heap-inuse-MiB")
			b.ReportMetric(float64(int64(peak)-int64(before.HeapInuse))/(1<<20), "heap-growth-MiB")
		})
	}
}
