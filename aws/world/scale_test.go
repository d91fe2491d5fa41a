package world_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
)

// scaleWorld is n services of one cluster, each with a CPU and a memory
// series over a day of 5-minute points: as `sim --save` writes a fleet
// (shape "flat": every statistic of a point equal) or as `capture` writes a
// busy account (shape "captured": average, maximum, minimum and sample
// count differ).
func scaleWorld(n int, shape string) *world.World {
	t0 := time.Date(2024, 4, 16, 13, 40, 0, 0, time.UTC)
	arn := "arn:aws:ecs:ap-northeast-2:111122223333:"
	w := &world.World{Version: world.Version, Now: t0.Add(24 * time.Hour), Region: "ap-northeast-2", AccountID: "111122223333",
		Clusters: []world.Object{{"clusterName": "club", "clusterArn": arn + "cluster/club", "status": "ACTIVE"}}}
	for i := range n {
		name := fmt.Sprintf("svc%04d", i)
		w.Services = append(w.Services, world.Object{"serviceName": name, "serviceArn": arn + "service/club/" + name,
			"clusterArn": arn + "cluster/club", "taskDefinition": arn + "task-definition/" + name + ":1", "desiredCount": int64(1)})
		w.TaskDefinitions = append(w.TaskDefinitions, world.Object{"taskDefinitionArn": arn + "task-definition/" + name + ":1", "family": name, "revision": int64(1)})
		for _, metric := range []string{"CPUUtilization", "MemoryUtilization"} {
			m := world.Metric{Namespace: "AWS/ECS", MetricName: metric, Period: 300,
				Dimensions: map[string]string{"ClusterName": "club", "ServiceName": name}}
			for j := range 288 {
				v := float64(30 + (i+j)%50)
				p := world.Point{Timestamp: t0.Add(time.Duration(j*5) * time.Minute), Average: v, Maximum: v, Minimum: v, Sum: v, SampleCount: 1}
				if shape == "captured" {
					p = world.Point{Timestamp: p.Timestamp, Average: v + 0.25, Maximum: v + 7, Minimum: v - 3, SampleCount: 10, Sum: (v + 0.25) * 10}
				}
				m.Points = append(m.Points, p)
			}
			w.Metrics = append(w.Metrics, m)
		}
	}
	return w
}

// BenchmarkWorldScale writes and loads worlds of 100 and 1,000 services:
// bytes per service in the file, the time to write and to load it, and
// the heap the write needed at its peak.
func BenchmarkWorldScale(b *testing.B) {
	for _, shape := range []string{"flat", "captured"} {
		for _, n := range []int{100, 1000} {
			w := scaleWorld(n, shape)
			var data []byte
			b.Run(fmt.Sprintf("write/%s/services=%d", shape, n), func(b *testing.B) {
				b.ReportAllocs()
				var peak uint64
				for b.Loop() {
					peak = max(peak, fleet.PeakHeap(func() {
						var err error
						if data, err = world.Marshal(w); err != nil {
							b.Fatal(err)
						}
					}))
				}
				b.ReportMetric(float64(len(data))/float64(n), "bytes/service")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			})
			b.Run(fmt.Sprintf("load/%s/services=%d", shape, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := world.Parse("scale.yaml", data); err != nil {
						msg, _, _ := strings.Cut(err.Error(), "\n")
						b.Skip("refused: ", msg)
					}
				}
			})
		}
	}
}
