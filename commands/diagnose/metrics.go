package diagnose

import (
	"sort"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
)

// preStop is how far back "the minutes before the stop" reach.
const preStop = 10 * time.Minute

// windowStats summarises one series between two instants.
type windowStats struct {
	N       int       // points in the window
	Peak    float64   // highest value
	PeakAt  time.Time // when it was highest
	Over    int       // points at or above the threshold asked for
	FirstAt time.Time // first point at or above the threshold
	Sum     float64
}

// stats reads the points with from <= T <= to. Points are oldest first, as
// the snapshot promises; a series out of order is still read correctly,
// only more slowly.
func stats(s *aws.Series, from, to time.Time, threshold float64) windowStats {
	var w windowStats
	if s == nil {
		return w
	}
	for _, p := range s.Points {
		if p.T.Before(from) || p.T.After(to) {
			continue
		}
		w.N++
		w.Sum += p.V
		if w.N == 1 || p.V > w.Peak {
			w.Peak, w.PeakAt = p.V, p.T
		}
		if p.V >= threshold {
			if w.Over == 0 {
				w.FirstAt = p.T
			}
			w.Over++
		}
	}
	return w
}

// series returns the first of keys the snapshot has with at least one point.
func series(snap *aws.ServiceSnapshot, keys ...string) (*aws.Series, string) {
	for _, k := range keys {
		if s, ok := snap.Metrics[k]; ok && len(s.Points) > 0 {
			return &s, k
		}
	}
	return nil, ""
}

// perMinute is a series' values as amounts per minute (for Sums whose
// period is not 60 s).
func perMinute(s *aws.Series, v float64) float64 {
	if s == nil || s.Period <= 0 || s.Period == 60 {
		return v
	}
	return v * 60 / float64(s.Period)
}

// medianPerMinute is the median of the per-minute values between from and to
// (from < T < to excluded at the edges so the two windows do not overlap).
func medianPerMinute(s *aws.Series, from, to time.Time) (float64, int) {
	if s == nil {
		return 0, 0
	}
	vals := make([]float64, 0, 64)
	for _, p := range s.Points {
		if p.T.Before(from) || !p.T.Before(to) {
			continue
		}
		vals = append(vals, perMinute(s, p.V))
	}
	if len(vals) == 0 {
		return 0, 0
	}
	sort.Float64s(vals)
	n := len(vals)
	if n%2 == 1 {
		return vals[n/2], n
	}
	return (vals[n/2-1] + vals[n/2]) / 2, n
}

// metricSource names a series for Evidence.Source: "cloudwatch:NS/Metric".
func metricSource(s *aws.Series, fallbackNS, fallbackName string) string {
	ns, name := fallbackNS, fallbackName
	if s != nil {
		if s.Namespace != "" {
			ns = s.Namespace
		}
		if s.MetricName != "" {
			name = s.MetricName
		}
	}
	return "cloudwatch:" + ns + "/" + name
}
