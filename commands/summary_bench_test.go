package commands

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
)

// benchWorld is one EC2 cluster, "club", with n services and a day of CPU
// and memory at one point per 5 minutes.
func benchWorld(b *testing.B, n int) *world.World {
	b.Helper()
	w, err := fleet.World(n, fleet.Options{Hours: 24, Value: func(i int) float64 { return float64(30 + i%50) }})
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// benchRouter is a router over n services of a benchWorld served by the
// simulator at latency a call, whose present is the world's.
func benchRouter(b *testing.B, n int, latency time.Duration, stops StopHistory) (*sim.Server, *Router) {
	w := benchWorld(b, n)
	s := sim.New(w, sim.Options{Freeze: true, Latency: latency})
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	c := aws.NewClientsForEndpoint(url, w.Region)
	b.Cleanup(func() {
		c.CloseIdleConnections()
		_ = s.Close()
	})
	now := w.Now
	c.Now = func() time.Time { return now }
	var refs []ServiceRef
	for i := range n {
		refs = append(refs, ServiceRef{Cluster: "club", Service: fmt.Sprintf("svc%02d", i)})
	}
	return s, NewRouter(Env{Services: refs, AWS: c, Now: c.Now, Stops: stops})
}

// BenchmarkSummaryFleet builds the whole summary reply at 10, 200 and
// 1,000 services with no latency and a stop history: the in-process
// counterpart of the main package's BenchmarkSummaryProcess, for profiles
// (-cpuprofile, -memprofile). Its time and allocations include the
// simulator's.
func BenchmarkSummaryFleet(b *testing.B) {
	for _, n := range []int{10, 200, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			_, r := benchRouter(b, n, 0, fakeHistory{})
			b.ReportAllocs()
			for b.Loop() {
				if m := r.Summary(context.Background(), SummaryRequest{})[0]; m.Failed {
					b.Fatal(m.Description)
				}
			}
		})
	}
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
			s, r := benchRouter(b, 50, 100*time.Millisecond, mode.stops)
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
				m := r.Summary(ctx, SummaryRequest{})[0]
				wall += time.Since(start)
				if m.Failed {
					b.Fatal(m.Description)
				}
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
				got := fleet.Count(s.Calls())
				trips, ecsCalls, metricCalls = trips+got.RoundTrips, ecsCalls+got.ECS, metricCalls+got.GetMetricData
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
