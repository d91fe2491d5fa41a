package aws

import (
	"context"
	"time"
)

// SeriesStat is a series reduced, as its points arrive, to what a summary
// shows of it: its peak, average and latest value over a window. It costs
// the same however many points the series has.
type SeriesStat struct {
	N     int     // points in the window; 0 is no data
	Peak  float64 // the largest value
	Sum   float64 // of the values, for Avg
	Last  float64 // the value of the latest point
	LastT time.Time
}

// Avg is the mean of the values, 0 without any.
func (s SeriesStat) Avg() float64 {
	if s.N == 0 {
		return 0
	}
	return s.Sum / float64(s.N)
}

// Add takes the points (ts[i], vs[i]) that fall within since..until
// (inclusive; a zero bound is open).
func (s *SeriesStat) Add(since, until time.Time, ts []time.Time, vs []float64) {
	for i, t := range ts {
		if (!since.IsZero() && t.Before(since)) || (!until.IsZero() && t.After(until)) {
			continue
		}
		v := vs[i]
		if s.N == 0 || v > s.Peak {
			s.Peak = v
		}
		if s.N == 0 || !t.Before(s.LastT) {
			s.Last, s.LastT = v, t
		}
		s.Sum += v
		s.N++
	}
}

// getMetricStats is getMetrics reduced to a SeriesStat per key over
// since..until: the same calls, without holding any point.
func (c *Clients) getMetricStats(ctx context.Context, qs []metricQuery, w metricWindow, since, until time.Time) (map[string]SeriesStat, error) {
	stats := make([]SeriesStat, len(qs))
	err := c.readMetrics(ctx, qs, w, func(i int, ts []time.Time, vs []float64) {
		stats[i].Add(since, until, ts, vs)
	})
	out := make(map[string]SeriesStat, len(qs))
	for i, q := range qs {
		out[q.Key] = stats[i]
	}
	return out, err
}
