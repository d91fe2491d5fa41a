package aws

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// GetMetricData limits (CloudWatch API reference).
const (
	maxQueriesPerCall = 500
	maxPointsPerCall  = 100800
)

// metricQuery is one series to read, named by its key in the result.
type metricQuery struct {
	Key        string
	Namespace  string
	MetricName string
	Dimensions map[string]string
	Stat       string
	// Period, when set, replaces the window's for this query: a summary
	// asks for a service's whole window as one point (wholeWindow).
	Period int32
}

// metricWindow is the time range and period of one batch of queries.
type metricWindow struct {
	Start, End time.Time
	Period     int32 // seconds
}

// newMetricWindow picks the smallest period CloudWatch still keeps for a
// window that starts at start (1-minute points live 15 days, 5-minute ones
// 63 days) and that keeps a full batch of n queries under the data-point
// limit of one call.
func newMetricWindow(now, start, end time.Time, n int) metricWindow {
	if !end.After(start) {
		end = start.Add(time.Minute)
	}
	period := 60
	switch age := now.Sub(start); {
	case age > 63*24*time.Hour:
		period = 3600
	case age > 15*24*time.Hour:
		period = 300
	}
	perCall := min(max(n, 1), maxQueriesPerCall)
	secs := int(end.Sub(start).Seconds())
	if need := secs * perCall / maxPointsPerCall; need >= period {
		period = (need/60 + 1) * 60
	}
	return metricWindow{Start: start, End: end, Period: int32(period)}
}

// getMetrics reads every query in batches of 500 per GetMetricData call,
// the batches concurrently, following NextToken. A failed batch is
// returned as an error with the series the other batches produced.
func (c *Clients) getMetrics(ctx context.Context, qs []metricQuery, w metricWindow) (map[string]Series, error) {
	series := make([]Series, len(qs))
	for i, q := range qs {
		series[i] = Series{Namespace: q.Namespace, MetricName: q.MetricName, Dimensions: q.Dimensions, Stat: q.Stat, Period: int(w.Period)}
	}
	err := c.readMetrics(ctx, qs, w, func(i int, ts []time.Time, vs []float64) {
		for j, t := range ts {
			series[i].Points = append(series[i].Points, Sample{T: t, V: vs[j]})
		}
	})
	out := make(map[string]Series, len(qs))
	for i, q := range qs {
		s := series[i]
		// Oldest first, whatever order the pages came in.
		sort.SliceStable(s.Points, func(a, b int) bool { return s.Points[a].T.Before(s.Points[b].T) })
		out[q.Key] = s
	}
	return out, err
}

// wholeWindow is the one period that covers w, in the unit CloudWatch
// takes for a window that starts that long before now (as
// newMetricWindow): asked with it, a series' Maximum and Average come back
// as one point each, computed by CloudWatch over every sample, instead of
// a point per period that the reader would reduce to the same two numbers.
// w.Start must be aligned (alignedStart): the one point is stamped there.
func wholeWindow(now time.Time, w metricWindow) int32 {
	unit := startUnit(now, w.Start)
	periods := max((w.End.Sub(w.Start)+unit-1)/unit, 1) // rounded up: a part period is one more
	return int32(periods * unit / time.Second)
}

// startUnit is how CloudWatch rounds a StartTime that long before now:
// down to the minute within 15 days, to 5 minutes within 63, else to the
// hour. Each point is stamped with the start of its period, counted from
// the rounded StartTime.
func startUnit(now, start time.Time) time.Duration {
	switch age := now.Sub(start); {
	case age > 63*24*time.Hour:
		return time.Hour
	case age > 15*24*time.Hour:
		return 5 * time.Minute
	}
	return time.Minute
}

// alignedStart is start rounded down as CloudWatch rounds it. A window
// asked for from an unaligned start gets its first point stamped before
// that start; a reader keeping only the points within the window would
// drop it, and with one period over the whole window that is every point.
func alignedStart(now, start time.Time) time.Time {
	return start.Truncate(startUnit(now, start))
}

// readMetrics sends every query in batches of 500 per GetMetricData call,
// the batches concurrently, following NextToken, and hands each page's
// points of qs[i] to add(i, …) as the page arrives, so a caller keeps
// only what it needs of them. add runs on one goroutine per batch: never
// at once for the same i. The first failed batch's error is returned
// after every batch ended; what the others read was handed over.
func (c *Clients) readMetrics(ctx context.Context, qs []metricQuery, w metricWindow, add func(i int, ts []time.Time, vs []float64)) error {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	for start := 0; start < len(qs); start += maxQueriesPerCall {
		batch := qs[start:min(start+maxQueriesPerCall, len(qs))]
		wg.Go(func() {
			err := c.readMetricBatch(ctx, batch, w, func(i int, ts []time.Time, vs []float64) { add(start+i, ts, vs) })
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func (c *Clients) readMetricBatch(ctx context.Context, batch []metricQuery, w metricWindow, add func(i int, ts []time.Time, vs []float64)) error {
	queries := make([]cwtypes.MetricDataQuery, len(batch))
	for i, q := range batch {
		dims := make([]cwtypes.Dimension, 0, len(q.Dimensions))
		for _, k := range sortedKeys(q.Dimensions) {
			dims = append(dims, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(q.Dimensions[k])})
		}
		period := w.Period
		if q.Period > 0 {
			period = q.Period
		}
		queries[i] = cwtypes.MetricDataQuery{
			Id: aws.String("m" + strconv.Itoa(i)), // ids must start with a lower-case letter
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(q.Namespace), MetricName: aws.String(q.MetricName), Dimensions: dims},
				Period: aws.Int32(period),
				Stat:   aws.String(q.Stat),
			},
			ReturnData: aws.Bool(true),
		}
	}
	in := &cloudwatch.GetMetricDataInput{
		MetricDataQueries: queries,
		StartTime:         aws.Time(w.Start),
		EndTime:           aws.Time(w.End),
		ScanBy:            cwtypes.ScanByTimestampAscending,
	}
	for page := 0; ; page++ {
		res, err := c.CloudWatch.GetMetricData(ctx, in, gateMetricPages)
		if err != nil {
			return err
		}
		for _, r := range res.MetricDataResults {
			i, err := strconv.Atoi(strings.TrimPrefix(aws.ToString(r.Id), "m"))
			if err != nil || i < 0 || i >= len(batch) {
				continue
			}
			n := min(len(r.Timestamps), len(r.Values))
			add(i, r.Timestamps[:n], r.Values[:n])
		}
		if aws.ToString(res.NextToken) == "" {
			return nil
		}
		if page > 100 {
			return fmt.Errorf("CloudWatch kept returning more pages of metric data after %d calls; ask for a shorter time window", page)
		}
		in.NextToken = res.NextToken
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// serviceMetricQueries are the AWS/ECS series of one service.
func serviceMetricQueries(cluster, service, keyPrefix string) []metricQuery {
	dims := map[string]string{"ClusterName": cluster, "ServiceName": service}
	return []metricQuery{
		{Key: keyPrefix + MetricServiceCPUAvg, Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: dims, Stat: "Average"},
		{Key: keyPrefix + MetricServiceCPUMax, Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: dims, Stat: "Maximum"},
		{Key: keyPrefix + MetricServiceMemAvg, Namespace: "AWS/ECS", MetricName: "MemoryUtilization", Dimensions: dims, Stat: "Average"},
		{Key: keyPrefix + MetricServiceMemMax, Namespace: "AWS/ECS", MetricName: "MemoryUtilization", Dimensions: dims, Stat: "Maximum"},
	}
}

// clusterMetricQueries are the AWS/ECS series of the cluster: reservation
// (what tasks asked for) and the hosts' own CPU.
func clusterMetricQueries(cluster string) []metricQuery {
	dims := map[string]string{"ClusterName": cluster}
	return []metricQuery{
		{Key: MetricClusterCPURes, Namespace: "AWS/ECS", MetricName: "CPUReservation", Dimensions: dims, Stat: "Average"},
		{Key: MetricClusterMemRes, Namespace: "AWS/ECS", MetricName: "MemoryReservation", Dimensions: dims, Stat: "Average"},
		{Key: MetricClusterCPUUtil, Namespace: "AWS/ECS", MetricName: "CPUUtilization", Dimensions: dims, Stat: "Average"},
	}
}

// Statistics reads each series again over since..until with each of stats,
// at one period chosen as for a gather, or every minPeriod when that is
// longer: out[i][j] is series[i] with stats[j]. A capture uses it to keep
// every statistic a later reader may ask for.
func (c *Clients) Statistics(ctx context.Context, series []Series, stats []string, since, until time.Time, minPeriod time.Duration) ([][]Series, error) {
	var qs []metricQuery
	for i, s := range series {
		for _, st := range stats {
			qs = append(qs, metricQuery{Key: fmt.Sprintf("%d/%s", i, st), Namespace: s.Namespace, MetricName: s.MetricName, Dimensions: s.Dimensions, Stat: st})
		}
	}
	win := newMetricWindow(c.now(), since, until, len(qs))
	win.Period = max(win.Period, int32(minPeriod/time.Second))
	got, err := c.getMetrics(ctx, qs, win)
	if err != nil {
		return nil, err
	}
	out := make([][]Series, len(series))
	for i, s := range series {
		for _, st := range stats {
			r := got[fmt.Sprintf("%d/%s", i, st)]
			r.Namespace, r.MetricName, r.Dimensions, r.Stat, r.Period = s.Namespace, s.MetricName, s.Dimensions, st, int(win.Period)
			out[i] = append(out[i], r)
		}
	}
	return out, nil
}
