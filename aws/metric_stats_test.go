package aws

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/fleet"
)

func TestSeriesStatAdd(t *testing.T) {
	t0 := time.Date(2024, 4, 17, 0, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	type page struct {
		ts []time.Time
		vs []float64
	}
	tests := []struct {
		name         string
		since, until time.Time
		pages        []page
		want         SeriesStat
	}{
		{name: "none", want: SeriesStat{}},
		{name: "one page", pages: []page{{[]time.Time{at(0), at(1), at(2)}, []float64{10, 30, 20}}},
			want: SeriesStat{N: 3, Peak: 30, Sum: 60, Last: 20, LastT: at(2)}},
		{name: "outside the window", since: at(1), until: at(2), pages: []page{{[]time.Time{at(0), at(1), at(2), at(3)}, []float64{99, 30, 20, 98}}},
			want: SeriesStat{N: 2, Peak: 30, Sum: 50, Last: 20, LastT: at(2)}},
		{name: "pages out of order", pages: []page{{[]time.Time{at(5)}, []float64{7}}, {[]time.Time{at(1)}, []float64{9}}},
			want: SeriesStat{N: 2, Peak: 9, Sum: 16, Last: 7, LastT: at(5)}},
		{name: "negative values", pages: []page{{[]time.Time{at(0), at(1)}, []float64{-3, -1}}},
			want: SeriesStat{N: 2, Peak: -1, Sum: -4, Last: -1, LastT: at(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s SeriesStat
			for _, p := range tt.pages {
				s.Add(tt.since, tt.until, p.ts, p.vs)
			}
			if diff := cmp.Diff(tt.want, s); diff != "" {
				t.Errorf("stat (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGatherSummaryStats: the stats path makes the same calls as
// GatherSummary and its stats are those of GatherSummary's series.
func TestGatherSummaryStats(t *testing.T) {
	t.Parallel()
	incident, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	varied, err := fleet.World(130, fleet.Options{Hours: 24, Value: func(i int) float64 { return float64(i*37%101) + 0.25 }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		w       *world.World
		cluster string
	}{{"incident", incident, "codedang"}, {"130 services, a day", varied, "club"}} {
		t.Run(tt.name, inBubble(func(t *testing.T) {
			s, c := startSimRounds(t, tt.w, sim.Options{Latency: roundLatency})
			until := tt.w.Now
			since := until.Add(-24 * time.Hour)
			series, err := c.GatherSummary(context.Background(), tt.cluster, nil, since, until)
			if err != nil {
				t.Fatal(err)
			}
			want := fleet.Count(s.Calls())
			s.ResetCalls()
			stats, err := c.GatherSummaryStats(context.Background(), tt.cluster, nil, since, until)
			if err != nil {
				t.Fatal(err)
			}
			if got := fleet.Count(s.Calls()); got != want {
				t.Errorf("calls %+v, GatherSummary made %+v", got, want)
			}
			if len(stats.ServiceMetrics) != 0 || len(stats.Metrics) != 0 {
				t.Error("the stats path kept series")
			}
			if len(stats.Services) != len(series.Services) || len(stats.ServiceStats) != len(series.ServiceMetrics) {
				t.Fatalf("%d services and %d with stats, want %d and %d", len(stats.Services), len(stats.ServiceStats), len(series.Services), len(series.ServiceMetrics))
			}
			// A service's series come as one point over the whole window:
			// the same peak of the Maximum series and mean of the Average
			// one as the series had (these worlds have even samples).
			points := 0
			for name, m := range series.ServiceMetrics {
				for key, ser := range m {
					points += len(ser.Points)
					want, got := reduce(ser, since, until), stats.ServiceStats[name][key]
					if (want.N > 0) != (got.N == 1) {
						t.Errorf("%s %s: %d points, from a series of %d", name, key, got.N, want.N)
						continue
					}
					if strings.HasSuffix(key, "max") && got.Peak != want.Peak {
						t.Errorf("%s %s: peak %v, the series' is %v", name, key, got.Peak, want.Peak)
					}
					if strings.HasSuffix(key, "avg") {
						// The mean of every point, read at the finest period:
						// the series' own is biased where its periods hold
						// uneven numbers of points.
						q := serviceMetricQueries(tt.cluster, name, "")[0]
						if strings.HasPrefix(key, "service.mem") {
							q = serviceMetricQueries(tt.cluster, name, "")[2]
						}
						fine, err := c.getMetrics(context.Background(), []metricQuery{q}, metricWindow{Start: since, End: until, Period: 60})
						if err != nil {
							t.Fatal(err)
						}
						if mean := reduce(fine[q.Key], since, until).Avg(); math.Abs(got.Avg()-mean) > 1e-9 {
							t.Errorf("%s %s: mean %v, the points' is %v", name, key, got.Avg(), mean)
						}
					}
				}
			}
			// The cluster's keep their points, at a period no longer than
			// the series': as many points, as high a peak, as late a last.
			for key, ser := range series.Metrics {
				want, got := reduce(ser, since, until), stats.Stats[key]
				if got.N < want.N || got.Peak < want.Peak || got.LastT.Before(want.LastT) {
					t.Errorf("cluster %s: %+v, coarser than the series' %+v", key, got, want)
				}
			}
			if points == 0 {
				t.Error("the world gave no points: the comparison proves nothing")
			}
		}))
	}
}

// reduce is what the summary used to compute from a whole series.
func reduce(s Series, since, until time.Time) SeriesStat {
	var st SeriesStat
	for _, p := range s.Points {
		if p.T.Before(since) || p.T.After(until) {
			continue
		}
		if st.N == 0 || p.V > st.Peak {
			st.Peak = p.V
		}
		st.Sum += p.V
		st.Last, st.LastT = p.V, p.T
		st.N++
	}
	return st
}

// TestSummaryStatsUnalignedWindow: CloudWatch rounds a StartTime down to
// the minute and stamps the one point over the whole window there. A
// summary asked at any second of a minute must still get that point, with
// the whole day's peak in it: not nothing (the window's end before the
// newest sample), not only the last minute's (its start after the stamp).
func TestSummaryStatsUnalignedWindow(t *testing.T) {
	t.Parallel()
	incident, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	_, c := startSim(t, incident, sim.Options{Freeze: true})
	for _, off := range []time.Duration{0, 500 * time.Millisecond, 37 * time.Second, -37 * time.Second, 59*time.Second + 900*time.Millisecond} {
		t.Run(off.String(), func(t *testing.T) {
			until := incident.Now.Add(off)
			stats, err := c.GatherSummaryStats(context.Background(), "codedang", []string{"backend"}, until.Add(-24*time.Hour), until)
			if err != nil {
				t.Fatal(err)
			}
			got := stats.ServiceStats["backend"][MetricServiceCPUMax]
			// The incident's backend peaks at 99.6 % of its reservation
			// at 13:32, eight minutes before the world's now.
			if got.N != 1 || got.Peak < 99 {
				t.Errorf("backend's CPU over the day: %d points, peak %.1f; want one point with the day's peak, 99.6", got.N, got.Peak)
			}
		})
	}
}
