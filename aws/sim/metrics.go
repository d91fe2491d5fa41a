package sim

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// Aggregation of stored metric points into the period a caller asks for,
// the way CloudWatch combines statistic sets: maximum of maxima, minimum of
// minima, sum of sums, sum of sample counts, and the average weighted by
// sample count.

// bucket is one requested period's worth of stored points.
type bucket struct {
	world.Point // Timestamp is the bucket's start; the statistics combined
	// averages keeps each stored point's average, for approximate
	// percentiles (CloudWatch computes them from raw values, which a world
	// file does not have).
	averages []float64
	n        int
}

// windowStart is the time the first bucket starts at. CloudWatch rounds
// StartTime down to the whole minute for periods of a minute or more and
// aligns the buckets to it; high-resolution periods round to the second.
func windowStart(start time.Time, period time.Duration) time.Time {
	if period >= time.Minute {
		return start.Truncate(time.Minute)
	}
	return start.Truncate(time.Second)
}

// aggregate groups the points with a timestamp in [start, end) into
// buckets of the given period aligned to windowStart(start), oldest first.
// Empty buckets are left out, as CloudWatch leaves out periods without
// data. withAverages keeps the per-point averages for percentiles. most
// bounds the points, so that the buckets are allocated once.
func aggregate(points iter.Seq[world.Point], most int, start, end time.Time, period time.Duration, withAverages bool) []bucket {
	if period <= 0 || !start.Before(end) {
		return nil
	}
	origin := windowStart(start, period)
	// At most one bucket a period, and one a point: allocate once.
	out := make([]bucket, 0, max(0, min(int64(most), int64(end.Sub(origin)/period)+1)))
	last, lastAt := int64(-1), -1 // the newest bucket's number and position
	for p := range points {
		if p.Timestamp.Before(origin) || !p.Timestamp.Before(end) {
			continue
		}
		k := int64(p.Timestamp.Sub(origin) / period)
		i := lastAt
		switch {
		case k > last:
			out = append(out, bucket{Point: world.Point{Timestamp: origin.Add(time.Duration(k) * period)}})
			i, last, lastAt = len(out)-1, k, len(out)-1
		case k < last: // out of order: rare, so a linear search will do
			at := origin.Add(time.Duration(k) * period)
			i = slices.IndexFunc(out, func(b bucket) bool { return b.Timestamp.Equal(at) })
			if i < 0 {
				out = append(out, bucket{Point: world.Point{Timestamp: at}})
				i = len(out) - 1
			}
		}
		addPoint(&out[i], p, withAverages)
	}
	byTime := func(a, b bucket) int { return a.Timestamp.Compare(b.Timestamp) }
	if !slices.IsSortedFunc(out, byTime) { // a hand-written world may list points out of order
		slices.SortFunc(out, byTime)
	}
	for i := range out {
		finishBucket(&out[i])
	}
	return out
}

// addPoint folds one stored point into a bucket. Average holds the
// weighted sum until finish divides it.
func addPoint(b *bucket, p world.Point, withAverages bool) {
	w := p.SampleCount
	if w <= 0 {
		w = 1 // a point without a count still counts once for the average
	}
	if b.n == 0 {
		b.Maximum, b.Minimum = p.Maximum, p.Minimum
	} else {
		b.Maximum = math.Max(b.Maximum, p.Maximum)
		b.Minimum = math.Min(b.Minimum, p.Minimum)
	}
	b.Sum += p.Sum
	b.SampleCount += p.SampleCount
	b.Average += p.Average * w
	b.n++
	if withAverages {
		b.averages = append(b.averages, p.Average)
	}
}

func finishBucket(b *bucket) {
	w := b.SampleCount
	if w <= 0 {
		w = float64(b.n)
	}
	if w > 0 {
		b.Average /= w
	}
}

// statistic reads one statistic out of a bucket.
type statistic func(b *bucket) float64

// parseStat understands CloudWatch's statistic names: the five basic ones
// and percentiles p0 … p100 (with decimals, e.g. p99.9). Other extended
// statistics (trimmed mean and so on) are refused rather than guessed.
func parseStat(name string) (statistic, error) {
	switch name {
	case "Average":
		return func(b *bucket) float64 { return b.Average }, nil
	case "Sum":
		return func(b *bucket) float64 { return b.Sum }, nil
	case "Minimum":
		return func(b *bucket) float64 { return b.Minimum }, nil
	case "Maximum":
		return func(b *bucket) float64 { return b.Maximum }, nil
	case "SampleCount":
		return func(b *bucket) float64 { return b.SampleCount }, nil
	}
	if len(name) > 1 && (name[0] == 'p' || name[0] == 'P') {
		q, err := strconv.ParseFloat(name[1:], 64)
		if err == nil && q >= 0 && q <= 100 && !strings.ContainsAny(name[1:], "eE+-") {
			return func(b *bucket) float64 { return percentile(b.averages, q) }, nil
		}
	}
	return nil, fmt.Errorf("the statistic %q is not supported; use Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p99", name)
}

// isPercentile says whether a statistic name needs the per-point averages.
func isPercentile(name string) bool {
	return len(name) > 1 && (name[0] == 'p' || name[0] == 'P')
}

// percentile is the nearest-rank percentile of vals. It approximates
// CloudWatch's percentile over raw samples by using each stored point's
// average as one sample.
func percentile(vals []float64, q float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	rank := int(math.Ceil(q / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(s) {
		rank = len(s)
	}
	return s[rank-1]
}

// validPeriod says whether CloudWatch accepts a period: 1, 5, 10, 20, 30 or
// a multiple of 60 seconds.
func validPeriod(p int64) bool {
	switch p {
	case 1, 5, 10, 20, 30:
		return true
	}
	return p >= 60 && p%60 == 0
}
