package world

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const compactHead = "version: 1\nmetrics:\n  - {namespace: AWS/ECS, metricName: CPUUtilization, period: 60, start: \"2024-04-17T04:00:00Z\", "

var compactT0 = time.Date(2024, 4, 17, 4, 0, 0, 0, time.UTC)

func minute(n int) time.Time { return compactT0.Add(time.Duration(n) * time.Minute) }

// TestStatsRun: a `stats` run gives one list a statistic; a slot null in
// every list is a gap, and what a slot leaves out is worked out as for a
// point.
func TestStatsRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []Point
		err  string
	}{
		{"every statistic", "stats: {Average: [10, 20], Maximum: [30, 25], Minimum: [1, 15], Sum: [30, 40], SampleCount: [3, 2]}}\n",
			[]Point{{Timestamp: minute(0), Average: 10, Maximum: 30, Minimum: 1, Sum: 30, SampleCount: 3},
				{Timestamp: minute(1), Average: 20, Maximum: 25, Minimum: 15, Sum: 40, SampleCount: 2}}, ""},
		{"sum derived, a gap, names in any case", "stats: {average: [10, null, 20], maximum: [30, null, 25], SAMPLECOUNT: [3, null, 2]}}\n",
			[]Point{{Timestamp: minute(0), Average: 10, Maximum: 30, Minimum: 10, Sum: 30, SampleCount: 3},
				{Timestamp: minute(2), Average: 20, Maximum: 25, Minimum: 20, Sum: 40, SampleCount: 2}}, ""},
		{"one statistic missing in one slot", "stats: {Average: [10, 20], Maximum: [null, 25]}}\n",
			[]Point{{Timestamp: minute(0), Average: 10, Maximum: 10, Minimum: 10, Sum: 10, SampleCount: 1},
				{Timestamp: minute(1), Average: 20, Maximum: 25, Minimum: 20, Sum: 20, SampleCount: 1}}, ""},
		{"lists of different lengths", "stats: {Average: [10, 20], Maximum: [30]}}\n", nil,
			"metrics[0].stats.Maximum: this list has 1 values and the one before it 2"},
		{"unknown statistic", "stats: {Average: [1], p99: [2]}}\n", nil,
			`metrics[0].stats.p99: unknown statistic "p99"`},
		{"values and stats", "values: [1], stats: {Average: [1]}}\n", nil,
			"metrics[0].stats: a series has either `values`"},
		{"only a sample count", "stats: {SampleCount: [1]}}\n", nil,
			"metrics[0].stats.SampleCount[0]: a slot needs at least one of Average"},
		{"not a number", "stats: {Average: [1, x]}}\n", nil,
			`metrics[0].stats.Average[1]: expected a number, got value "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Parse("w.yaml", []byte(compactHead+tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, slices.Collect(w.Metrics[0].All())); diff != "" {
				t.Errorf("points (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSaveCompact: a saved series is a run where its points allow, with
// only the statistics Load cannot work out, and loads back to the same
// points.
func TestSaveCompact(t *testing.T) {
	t.Parallel()
	flat := func(n int, v float64) Point {
		return Point{Timestamp: minute(n), Average: v, Maximum: v, Minimum: v, Sum: v, SampleCount: 1}
	}
	tests := []struct {
		name         string
		points       []Point
		want, absent []string // in the saved text
	}{
		{"flat points become values", []Point{flat(0, 1), flat(1, 2), flat(3, 4)},
			[]string{"values: [1, 2, null, 4]"}, []string{"stats:", "points:"}},
		{"captured points keep what cannot be derived", []Point{
			{Timestamp: minute(0), Average: 10, Maximum: 30, Minimum: 1, Sum: 30, SampleCount: 3},
			{Timestamp: minute(1), Average: 20.5, Maximum: 25, Minimum: 15, Sum: 41, SampleCount: 2}},
			[]string{"    stats:\n      Average: [10, 20.5]\n      Maximum: [30, 25]\n      Minimum: [1, 15]\n      SampleCount: [3, 2]\n"},
			[]string{"Sum:", "points:", "values:"}},
		{"points off the period stay points", []Point{flat(0, 1), {Timestamp: minute(1).Add(time.Second), Average: 2, Maximum: 2, Minimum: 2, Sum: 2, SampleCount: 1}},
			[]string{"points:"}, []string{"stats:", "values:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &World{Version: 1, Metrics: []Metric{{Namespace: "AWS/ECS", MetricName: "CPUUtilization", Period: 60,
				Dimensions: map[string]string{"ServiceName": "api"}, Points: tt.points}}}
			data, err := Marshal(w)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.want {
				if !strings.Contains(string(data), s) {
					t.Errorf("saved world has no %q:\n%s", s, data)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(string(data), s) {
					t.Errorf("saved world has %q:\n%s", s, data)
				}
			}
			again, err := Parse("saved.yaml", data)
			if err != nil {
				t.Fatalf("does not load: %v\n%s", err, data)
			}
			got := slices.Collect(again.Metrics[0].All())
			if diff := cmp.Diff(tt.points, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("points (-saved +loaded):\n%s", diff)
			}
		})
	}
}

// TestBetween: a window of a series is its run's slots and its points in
// [from, to), merged oldest first.
func TestBetween(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	col := []float64{0, 1, nan, 3, 4}
	m := Metric{Period: 60, Run: Run{Start: minute(0), Average: col, Maximum: col, Minimum: col, Sum: col},
		Points: []Point{{Timestamp: minute(2).Add(30 * time.Second), Average: 2.5}, {Timestamp: minute(9), Average: 9}}}
	avg := func(from, to time.Time) []float64 {
		var out []float64
		for p := range m.Between(from, to) {
			out = append(out, p.Average)
		}
		return out
	}
	for _, tt := range []struct {
		from, to time.Time
		want     []float64
	}{
		{minute(-5), minute(20), []float64{0, 1, 2.5, 3, 4, 9}},
		{minute(1), minute(4), []float64{1, 2.5, 3}},
		{minute(1).Add(time.Second), minute(3).Add(time.Second), []float64{2.5, 3}},
		{minute(5), minute(9), nil},
		{minute(30), minute(40), nil},
	} {
		if diff := cmp.Diff(tt.want, avg(tt.from, tt.to)); diff != "" {
			t.Errorf("Between(%v, %v) (-want +got):\n%s", tt.from, tt.to, diff)
		}
	}
}
