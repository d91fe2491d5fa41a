package fleetmetrics

import (
	"sync"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/watch"
)

// countedFor is how long a counted stop is remembered, so that the same
// stop recorded again (an alert retried, the SQS queue and the poll both
// bringing it) is counted once: longer than the watcher handles a stop.
const countedFor = 24 * time.Hour

// CountStops wraps the watcher's store so that ecsmedic_service_stops_total
// counts each stop once, when the watcher records it with its diagnosed
// cause. Pass the result to watch.New in place of the store.
func (f *Fleet) CountStops(st watch.Store) watch.Store { return countingStore{Store: st, f: f} }

type countingStore struct {
	watch.Store
	f *Fleet
}

func (s countingStore) RecordStop(r store.StopRecord) (bool, error) {
	isNew, err := s.Store.RecordStop(r)
	if err == nil && r.Cause != "" && s.f.counted.add(r.TaskArn, s.f.now()) {
		s.f.stops.WithLabelValues(r.Cluster, s.f.alias(r.Cluster, r.Service), r.Service, r.Cause).Inc()
	}
	return isNew, err
}

// stopSet is the stops counted lately, by task ARN.
type stopSet struct {
	mu        sync.Mutex
	seen      map[string]time.Time
	lastPrune time.Time
}

// add says whether arn is new, and remembers it.
func (s *stopSet) add(arn string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastPrune) > time.Hour {
		for a, t := range s.seen {
			if now.Sub(t) > countedFor {
				delete(s.seen, a)
			}
		}
		s.lastPrune = now
	}
	if _, ok := s.seen[arn]; ok {
		return false
	}
	s.seen[arn] = now
	return true
}
