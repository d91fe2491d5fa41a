package sim

import (
	"iter"
	"sync"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// Live reservation points: when the simulator changes a cluster's hosts
// or the tasks on them, it adds the cluster's AWS/ECS CPUReservation and
// MemoryReservation at that moment, as CloudWatch would see them, to the
// world's series. They are kept apart from the world's metrics, which no
// call changes and which are read without the world's lock; this has a
// lock of its own. A frozen clock never gets past the present, so its
// points show only in a window that ends after it.

type liveMetrics struct {
	mu     sync.Mutex
	points map[string][]world.Point // by metricKey, oldest first
}

// recordReservation adds the cluster's reservation now. Call it with
// s.wmu held for writing.
func (s *Server) recordReservation(cluster world.Object, now time.Time) {
	cpu, mem, ok := s.reservation(cluster)
	if !ok {
		return
	}
	name := ecsS(cluster, "clusterName")
	if name == "" {
		name = ecsLast(ecsS(cluster, "clusterArn"))
	}
	dims := map[string]string{"ClusterName": name}
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	if s.live.points == nil {
		s.live.points = map[string][]world.Point{}
	}
	for metric, v := range map[string]float64{"CPUReservation": cpu, "MemoryReservation": mem} {
		key := metricKey("AWS/ECS", metric, dims)
		s.live.points[key] = append(s.live.points[key], world.Point{Timestamp: now, Average: v, Maximum: v, Minimum: v, Sum: v, SampleCount: 1})
	}
}

// recordReservationOf records the reservation of the cluster o is in.
func (s *Server) recordReservationOf(o world.Object, now time.Time) {
	arn := s.clusterArnOf(o)
	for _, c := range s.w.Clusters {
		if ecsS(c, "clusterArn") == arn || ecsS(c, "clusterName") == ecsLast(arn) {
			s.recordReservation(c, now)
			return
		}
	}
}

// withLive adds to a series' stored points those the simulator recorded
// for it in [start, end), after them (they are newer), and raises the
// bound on their number to match.
func (s *Server) withLive(key string, stored iter.Seq[world.Point], most int, start, end time.Time) (iter.Seq[world.Point], int) {
	s.live.mu.Lock()
	var add []world.Point
	for _, p := range s.live.points[key] {
		if !p.Timestamp.Before(start) && p.Timestamp.Before(end) {
			add = append(add, p)
		}
	}
	s.live.mu.Unlock()
	if len(add) == 0 {
		return stored, most
	}
	return func(yield func(world.Point) bool) {
		for p := range stored {
			if !yield(p) {
				return
			}
		}
		for _, p := range add {
			if !yield(p) {
				return
			}
		}
	}, most + len(add)
}
