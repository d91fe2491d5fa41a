package aws

import (
	"context"
	"fmt"
	"sort"
	"strconv"
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
	out := make(map[string]Series, len(qs))
	if len(qs) == 0 {
		return out, nil
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	for start := 0; start < len(qs); start += maxQueriesPerCall {
		batch := qs[start:min(start+maxQueriesPerCall, len(qs))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := c.getMetricBatch(ctx, batch, w)
			mu.Lock()
			defer mu.Unlock()
			for k, s := range got {
				out[k] = s
			}
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return out, errs[0]
	}
	return out, nil
}

func (c *Clients) getMetricBatch(ctx context.Context, batch []metricQuery, w metricWindow) (map[string]Series, error) {
	queries := make([]cwtypes.MetricDataQuery, len(batch))
	byID := make(map[string]*Series, len(batch))
	for i, q := range batch {
		id := "m" + strconv.Itoa(i) // ids must start with a lower-case letter
		dims := make([]cwtypes.Dimension, 0, len(q.Dimensions))
		for _, k := range sortedKeys(q.Dimensions) {
			dims = append(dims, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(q.Dimensions[k])})
		}
		queries[i] = cwtypes.MetricDataQuery{
			Id: aws.String(id),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(q.Namespace), MetricName: aws.String(q.MetricName), Dimensions: dims},
				Period: aws.Int32(w.Period),
				Stat:   aws.String(q.Stat),
			},
			ReturnData: aws.Bool(true),
		}
		byID[id] = &Series{Namespace: q.Namespace, MetricName: q.MetricName, Dimensions: q.Dimensions, Stat: q.Stat, Period: int(w.Period)}
	}
	in := &cloudwatch.GetMetricDataInput{
		MetricDataQueries: queries,
		StartTime:         aws.Time(w.Start),
		EndTime:           aws.Time(w.End),
		ScanBy:            cwtypes.ScanByTimestampAscending,
	}
	for page := 0; ; page++ {
		res, err := c.CloudWatch.GetMetricData(ctx, in)
		if err != nil {
			return collect(batch, byID), err
		}
		for _, r := range res.MetricDataResults {
			s := byID[aws.ToString(r.Id)]
			if s == nil {
				continue
			}
			for i, t := range r.Timestamps {
				if i < len(r.Values) {
					s.Points = append(s.Points, Sample{T: t, V: r.Values[i]})
				}
			}
		}
		if aws.ToString(res.NextToken) == "" {
			break
		}
		if page > 100 {
			return collect(batch, byID), fmt.Errorf("CloudWatch kept returning more pages of metric data after %d calls; ask for a shorter time window", page)
		}
		in.NextToken = res.NextToken
	}
	return collect(batch, byID), nil
}

// collect keys the series and orders their points oldest first, whatever
// order the pages came in.
func collect(batch []metricQuery, byID map[string]*Series) map[string]Series {
	out := make(map[string]Series, len(batch))
	for i, q := range batch {
		s := byID["m"+strconv.Itoa(i)]
		sort.SliceStable(s.Points, func(a, b int) bool { return s.Points[a].T.Before(s.Points[b].T) })
		out[q.Key] = *s
	}
	return out
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
