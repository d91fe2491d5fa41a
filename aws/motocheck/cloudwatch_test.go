package motocheck_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// cpuValues are the world's backend CPUUtilization, one a minute from
// 20 minutes before its present.
var cpuValues = []float64{38, 41, 55, 72, 88, 97, 99, 99, 99, 99}

var cpuDims = []cwtypes.Dimension{
	{Name: aws.String("ClusterName"), Value: aws.String("club")},
	{Name: aws.String("ServiceName"), Value: aws.String("backend")},
}

func setupMetrics(t *testing.T, p pair) {
	t.Helper()
	var data []cwtypes.MetricDatum
	for i, v := range cpuValues {
		data = append(data, cwtypes.MetricDatum{
			MetricName: aws.String("CPUUtilization"), Dimensions: cpuDims, Unit: cwtypes.StandardUnitPercent,
			Timestamp: aws.Time(p.now.Add(-20*time.Minute + time.Duration(i)*time.Minute)), Value: aws.Float64(v),
		})
	}
	// AWS/ECS is reserved on AWS, not on moto.
	step(t, "PutMetricData")(p.moto.cw.PutMetricData(ctx(t), &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/ECS"), MetricData: data}))
}

func TestCloudWatch(t *testing.T) {
	p := newPair(t)
	setupMetrics(t, p)
	start, end := p.now.Add(-30*time.Minute), p.now
	call := func(f func(c context.Context, w *cloudwatch.Client) (any, error)) func(context.Context, *clients) (any, error) {
		return func(c context.Context, cl *clients) (any, error) { return f(c, cl.cw) }
	}
	metricData := func(stat string, period int32) func(context.Context, *clients) (any, error) {
		return call(func(c context.Context, w *cloudwatch.Client) (any, error) {
			return w.GetMetricData(c, &cloudwatch.GetMetricDataInput{
				StartTime: aws.Time(start), EndTime: aws.Time(end), ScanBy: cwtypes.ScanByTimestampAscending,
				MetricDataQueries: []cwtypes.MetricDataQuery{{
					Id: aws.String("cpu"),
					MetricStat: &cwtypes.MetricStat{
						Metric: &cwtypes.Metric{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUUtilization"), Dimensions: cpuDims},
						Period: aws.Int32(period), Stat: aws.String(stat),
					},
				}},
			})
		})
	}
	sameValues := func(t *testing.T, m, s any) {
		mo, so := m.(*cloudwatch.GetMetricDataOutput), s.(*cloudwatch.GetMetricDataOutput)
		if len(mo.MetricDataResults) != 1 || len(so.MetricDataResults) != 1 {
			t.Fatalf("results: moto %d, sim %d, want 1", len(mo.MetricDataResults), len(so.MetricDataResults))
		}
		mv, sv := mo.MetricDataResults[0].Values, so.MetricDataResults[0].Values
		if len(mv) != len(sv) {
			t.Fatalf("values: moto %v, sim %v", mv, sv)
		}
		for i := range mv {
			if mv[i] != sv[i] {
				t.Errorf("values: moto %v, sim %v", mv, sv)
				break
			}
		}
	}
	statistics := func(period int32) func(context.Context, *clients) (any, error) {
		return call(func(c context.Context, w *cloudwatch.Client) (any, error) {
			return w.GetMetricStatistics(c, &cloudwatch.GetMetricStatisticsInput{
				Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUUtilization"), Dimensions: cpuDims,
				StartTime: aws.Time(start), EndTime: aws.Time(end), Period: aws.Int32(period),
				Statistics: []cwtypes.Statistic{cwtypes.StatisticAverage, cwtypes.StatisticMaximum},
			})
		})
	}
	run(t, p, []cmpCase{{
		name:  "GetMetricData Average 60s",
		call:  metricData("Average", 60),
		known: known{},
		check: sameValues,
	}, {
		name:  "GetMetricData Maximum 300s",
		call:  metricData("Maximum", 300),
		known: known{},
		check: sameValues,
	}, {
		name:  "GetMetricStatistics Average and Maximum",
		call:  statistics(60),
		known: known{},
		check: func(t *testing.T, m, s any) {
			mo, so := m.(*cloudwatch.GetMetricStatisticsOutput), s.(*cloudwatch.GetMetricStatisticsOutput)
			if len(mo.Datapoints) != len(cpuValues) || len(so.Datapoints) != len(cpuValues) {
				t.Errorf("datapoints: moto %d, sim %d, want %d", len(mo.Datapoints), len(so.Datapoints), len(cpuValues))
			}
		},
	}, {
		name: "GetMetricStatistics period not a multiple of 60",
		call: statistics(7),
		// On the query wire AWS sends <Code>InvalidParameterValue</Code>;
		// the SDK maps it to the model's InvalidParameterValueException.
		fail: &failure{Code: "InvalidParameterValueException", Status: 400},
		gaps: map[string]string{"moto": "moto gap: moto does not check Period"},
	}, {
		name: "GetMetricData metric without data",
		call: call(func(c context.Context, w *cloudwatch.Client) (any, error) {
			return w.GetMetricData(c, &cloudwatch.GetMetricDataInput{
				StartTime: aws.Time(start), EndTime: aws.Time(end),
				MetricDataQueries: []cwtypes.MetricDataQuery{{
					Id: aws.String("mem"),
					MetricStat: &cwtypes.MetricStat{
						Metric: &cwtypes.Metric{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("MemoryUtilization"), Dimensions: cpuDims},
						Period: aws.Int32(60), Stat: aws.String("Average"),
					},
				}},
			})
		}),
		known: known{},
	}})
	// The SDK reads both InvalidParameterValue and the model's shape name
	// as the same error; what AWS sends on the query wire is the former.
	failed := 0
	for _, c := range p.server.Calls() {
		if c.Operation == "GetMetricStatistics" && c.ErrorCode != "" {
			failed++
			if c.ErrorCode != "InvalidParameterValue" {
				t.Errorf("sim sent %s on the query wire, want InvalidParameterValue as AWS does", c.ErrorCode)
			}
		}
	}
	if failed != 1 {
		t.Errorf("sim: %d failed GetMetricStatistics calls, want 1", failed)
	}
}
