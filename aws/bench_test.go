package aws

import (
	"context"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
)

// BenchmarkGatherService gathers the incident's service against a
// simulator that answers every call after 100ms, as a far Region would:
// as captured, and with its newest stop on a revision no deployment names
// (which used to cost a fourth round trip).
func BenchmarkGatherService(b *testing.B) { benchGatherService(b, 100*time.Millisecond) }

// BenchmarkGatherServiceNoLatency is the same at 0 ms a call: the round
// trips must read as at 100 ms, because independent calls still overlap
// (the simulator serves reads side by side, and metrics without a lock).
func BenchmarkGatherServiceNoLatency(b *testing.B) { benchGatherService(b, 0) }

func benchGatherService(b *testing.B, latency time.Duration) {
	for _, bc := range []struct {
		name   string
		change func(*world.World)
	}{
		{"incident", func(*world.World) {}},
		{"older-revision", func(w *world.World) { runsRevision11(w, "") }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := loadWorld(b, "backend137.yaml")
			bc.change(w)
			s, c := startSim(b, w, sim.Options{Latency: latency})
			ctx := context.Background()
			var trips, calls int
			var wall time.Duration
			for b.Loop() {
				s.ResetCalls()
				start := time.Now()
				if _, err := c.GatherService(ctx, "codedang", "backend", GatherOptions{}); err != nil {
					b.Fatal(err)
				}
				wall += time.Since(start)
				log := s.Calls()
				trips += sim.RoundTrips(log)
				calls += len(log)
			}
			n := float64(b.N)
			b.ReportMetric(float64(trips)/n, "roundtrips/op")
			b.ReportMetric(float64(calls)/n, "calls/op")
			b.ReportMetric(float64(wall.Milliseconds())/n, "wall-ms/op")
		})
	}
}

// BenchmarkGatherSummary summarises a 50-service cluster at 100ms a call.
func BenchmarkGatherSummary(b *testing.B) { benchGatherSummary(b, 100*time.Millisecond) }

// BenchmarkGatherSummaryNoLatency is the same at 0 ms a call.
func BenchmarkGatherSummaryNoLatency(b *testing.B) { benchGatherSummary(b, 0) }

func benchGatherSummary(b *testing.B, latency time.Duration) {
	s, c := startSim(b, manyServices(b, 50), sim.Options{Latency: latency})
	ctx := context.Background()
	var trips, ecsCalls, metricCalls int
	var wall time.Duration
	for b.Loop() {
		s.ResetCalls()
		start := time.Now()
		if _, err := c.GatherSummary(ctx, "club", nil, time.Time{}, time.Time{}); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		got := fleet.Count(s.Calls())
		trips, ecsCalls, metricCalls = trips+got.RoundTrips, ecsCalls+got.ECS, metricCalls+got.GetMetricData
	}
	n := float64(b.N)
	b.ReportMetric(float64(ecsCalls)/n, "ecs-calls/op")
	b.ReportMetric(float64(metricCalls)/n, "getmetricdata/op")
	b.ReportMetric(float64(trips)/n, "roundtrips/op")
	b.ReportMetric(float64(wall.Milliseconds())/n, "wall-ms/op")
}
