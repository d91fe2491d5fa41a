package sim

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/google/go-cmp/cmp"
)

var metricT0 = time.Date(2024, 4, 17, 4, 0, 0, 0, time.UTC)

func atMinute(n int) time.Time { return metricT0.Add(time.Duration(n) * time.Minute) }

// flat is a compact-run point: every statistic equals v, one sample.
func flatPoint(n int, v float64) world.Point {
	return world.Point{Timestamp: atMinute(n), Average: v, Maximum: v, Minimum: v, Sum: v, SampleCount: 1}
}

func TestAggregate(t *testing.T) {
	type row struct {
		At                 time.Time
		Avg, Max, Min, Sum float64
		Count              float64
		Averages           []float64
	}
	tests := []struct {
		name       string
		points     []world.Point
		start, end time.Time
		period     time.Duration
		want       []row
	}{
		{
			name:   "same period passes points through",
			points: []world.Point{flatPoint(0, 10), flatPoint(1, 20)},
			start:  atMinute(0), end: atMinute(2), period: time.Minute,
			want: []row{
				{At: atMinute(0), Avg: 10, Max: 10, Min: 10, Sum: 10, Count: 1, Averages: []float64{10}},
				{At: atMinute(1), Avg: 20, Max: 20, Min: 20, Sum: 20, Count: 1, Averages: []float64{20}},
			},
		},
		{
			name: "larger period: max of maxima, min of minima, sums, weighted average",
			points: []world.Point{
				{Timestamp: atMinute(0), Average: 10, Maximum: 30, Minimum: 5, Sum: 30, SampleCount: 3},
				{Timestamp: atMinute(1), Average: 40, Maximum: 50, Minimum: 1, Sum: 40, SampleCount: 1},
				{Timestamp: atMinute(5), Average: 7, Maximum: 7, Minimum: 7, Sum: 7, SampleCount: 1},
			},
			start: atMinute(0), end: atMinute(10), period: 5 * time.Minute,
			want: []row{
				{At: atMinute(0), Avg: 17.5, Max: 50, Min: 1, Sum: 70, Count: 4, Averages: []float64{10, 40}},
				{At: atMinute(5), Avg: 7, Max: 7, Min: 7, Sum: 7, Count: 1, Averages: []float64{7}},
			},
		},
		{
			name:   "points outside [start, end) are left out",
			points: []world.Point{flatPoint(0, 1), flatPoint(1, 2), flatPoint(2, 3), flatPoint(3, 4)},
			start:  atMinute(1), end: atMinute(3), period: time.Minute,
			want: []row{
				{At: atMinute(1), Avg: 2, Max: 2, Min: 2, Sum: 2, Count: 1, Averages: []float64{2}},
				{At: atMinute(2), Avg: 3, Max: 3, Min: 3, Sum: 3, Count: 1, Averages: []float64{3}},
			},
		},
		{
			name:   "start is rounded down to the minute",
			points: []world.Point{flatPoint(1, 2), flatPoint(2, 3)},
			start:  atMinute(1).Add(25 * time.Second), end: atMinute(3), period: 2 * time.Minute,
			want: []row{
				{At: atMinute(1), Avg: 2.5, Max: 3, Min: 2, Sum: 5, Count: 2, Averages: []float64{2, 3}},
			},
		},
		{
			name:   "out-of-order points are sorted, empty periods skipped",
			points: []world.Point{flatPoint(9, 9), flatPoint(0, 1)},
			start:  atMinute(0), end: atMinute(10), period: 3 * time.Minute,
			want: []row{
				{At: atMinute(0), Avg: 1, Max: 1, Min: 1, Sum: 1, Count: 1, Averages: []float64{1}},
				{At: atMinute(9), Avg: 9, Max: 9, Min: 9, Sum: 9, Count: 1, Averages: []float64{9}},
			},
		},
		{
			name:   "a point back in time does not split the newest bucket",
			points: []world.Point{flatPoint(9, 9), flatPoint(0, 1), flatPoint(10, 11)},
			start:  atMinute(0), end: atMinute(12), period: 3 * time.Minute,
			want: []row{
				{At: atMinute(0), Avg: 1, Max: 1, Min: 1, Sum: 1, Count: 1, Averages: []float64{1}},
				{At: atMinute(9), Avg: 10, Max: 11, Min: 9, Sum: 20, Count: 2, Averages: []float64{9, 11}},
			},
		},
		{
			name:   "no points in the window",
			points: []world.Point{flatPoint(0, 1)},
			start:  atMinute(5), end: atMinute(10), period: time.Minute,
		},
		{
			name:   "empty window",
			points: []world.Point{flatPoint(0, 1)},
			start:  atMinute(5), end: atMinute(5), period: time.Minute,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []row
			for _, b := range aggregate(slices.Values(tt.points), len(tt.points), tt.start, tt.end, tt.period, true) {
				got = append(got, row{At: b.Timestamp, Avg: b.Average, Max: b.Maximum, Min: b.Minimum, Sum: b.Sum, Count: b.SampleCount, Averages: b.averages})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("aggregate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	b := &bucket{
		Point:    world.Point{Average: 2, Maximum: 9, Minimum: 1, Sum: 20, SampleCount: 10},
		averages: []float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10},
	}
	tests := []struct {
		stat    string
		want    float64
		wantErr bool
	}{
		{stat: "Average", want: 2},
		{stat: "Maximum", want: 9},
		{stat: "Minimum", want: 1},
		{stat: "Sum", want: 20},
		{stat: "SampleCount", want: 10},
		{stat: "p50", want: 5},
		{stat: "p90", want: 9},
		{stat: "p99", want: 10},
		{stat: "p99.9", want: 10},
		{stat: "P0", want: 1},
		{stat: "p100", want: 10},
		{stat: "p101", wantErr: true},
		{stat: "p-1", wantErr: true},
		{stat: "tm99", wantErr: true},
		{stat: "average", wantErr: true},
		{stat: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.stat, func(t *testing.T) {
			f, err := parseStat(tt.stat)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStat(%q) error = %v, want error %v", tt.stat, err, tt.wantErr)
			}
			if err == nil {
				if got := f(b); got != tt.want {
					t.Errorf("parseStat(%q) = %v, want %v", tt.stat, got, tt.want)
				}
			}
		})
	}
}

func TestValidPeriod(t *testing.T) {
	for p, want := range map[int64]bool{1: true, 5: true, 30: true, 60: true, 300: true, 86400: true, 0: false, 2: false, 45: false, 90: false, -60: false} {
		if got := validPeriod(p); got != want {
			t.Errorf("validPeriod(%d) = %v, want %v", p, got, want)
		}
	}
}

// BenchmarkGetMetricData is the worst case the bot may ask: 500 queries,
// each over 24 hours of 1-minute points, aggregated to 5 minutes; and the
// same series asked for their last hour and their last 5 minutes, which
// must cost in proportion. The series are compact runs, as Load keeps
// them.
func BenchmarkGetMetricData(b *testing.B) {
	w := &world.World{Now: atMinute(24 * 60)}
	queries := make([]any, 0, maxMetricDataQueries)
	for i := range maxMetricDataQueries {
		col := make([]float64, 24*60)
		for j := range col {
			col[j] = float64(j % 100)
		}
		m := world.Metric{Namespace: "AWS/ECS", MetricName: "CPUUtilization", Period: 60,
			Dimensions: map[string]string{"ClusterName": "c", "ServiceName": fmt.Sprintf("svc%d", i)},
			Run:        world.Run{Start: atMinute(0), Average: col, Maximum: col, Minimum: col, Sum: col}}
		w.Metrics = append(w.Metrics, m)
		queries = append(queries, map[string]any{
			"Id": fmt.Sprintf("m%d", i),
			"MetricStat": map[string]any{
				"Metric": map[string]any{"Namespace": "AWS/ECS", "MetricName": "CPUUtilization", "Dimensions": []any{
					map[string]any{"Name": "ClusterName", "Value": "c"},
					map[string]any{"Name": "ServiceName", "Value": fmt.Sprintf("svc%d", i)},
				}},
				"Period": int64(300), "Stat": "Maximum",
			},
		})
	}
	s := &Server{w: w}
	for _, window := range []struct {
		name       string
		start, end int
	}{{"day", 0, 24 * 60}, {"last hour", 23 * 60, 24 * 60}, {"last 5 minutes", 24*60 - 5, 24 * 60}} {
		b.Run(window.name, func(b *testing.B) {
			r := &Request{Input: map[string]any{"MetricDataQueries": queries, "StartTime": atMinute(window.start), "EndTime": atMinute(window.end)}}
			b.ReportAllocs()
			for b.Loop() {
				out, err := getMetricData(s, r)
				if err != nil {
					b.Fatal(err)
				}
				if n := len(out["MetricDataResults"].([]any)); n != maxMetricDataQueries {
					b.Fatalf("%d results", n)
				}
			}
		})
	}
}
