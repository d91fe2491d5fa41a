package sim

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Shared by the tests of the non-ECS services: a frozen simulator on
// loopback and SDK configuration for it.

func opsServe(t *testing.T, w *world.World) (*Server, string) {
	t.Helper()
	w.Region, w.AccountID = "ap-northeast-2", "111122223333"
	s := New(w, Options{Freeze: true})
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, url
}

func opsConfig() aws.Config {
	return aws.Config{
		Region:           "ap-northeast-2",
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
	}
}

// opsErrCode is the AWS error code of err, or "" when err is nil.
func opsErrCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an AWS API error: %v", err)
	}
	return ae.ErrorCode()
}

// apiCode is the code of a handler's *APIError, "" for nil, and says so
// when a handler returns another kind of error.
func apiCode(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	if err != nil {
		return "not an APIError: " + err.Error()
	}
	return ""
}

// metricWorld: service CPU on 1-minute points 0..29 with value i, memory
// with a unit, a cluster-level series, and three alarms.
func metricWorld() *world.World {
	cpu := world.Metric{Namespace: "AWS/ECS", MetricName: "CPUUtilization", Period: 60,
		Dimensions: map[string]string{"ClusterName": "demo", "ServiceName": "api"}}
	mem := world.Metric{Namespace: "AWS/ECS", MetricName: "MemoryUtilization", Unit: "Percent", Period: 60,
		Dimensions: map[string]string{"ClusterName": "demo", "ServiceName": "api"}}
	for i := range 30 {
		cpu.Points = append(cpu.Points, flatPoint(i, float64(i)))
		mem.Points = append(mem.Points, flatPoint(i, 50))
	}
	res := world.Metric{Namespace: "AWS/ECS", MetricName: "CPUReservation", Period: 60,
		Dimensions: map[string]string{"ClusterName": "demo"}, Points: []world.Point{flatPoint(0, 80)}}
	alarm := func(name, state string) world.Object {
		return world.Object{"AlarmName": name, "StateValue": state, "MetricName": "CPUUtilization",
			"AlarmActions": []any{"arn:aws:sns:ap-northeast-2:111122223333:ops"}}
	}
	return &world.World{
		Now:     atMinute(30),
		Metrics: []world.Metric{cpu, mem, res},
		Alarms:  []world.Object{alarm("api-cpu-high", "ALARM"), alarm("api-cpu-low", "OK"), alarm("db-cpu", "OK")},
	}
}

func cwOps(t *testing.T, w *world.World) *cloudwatch.Client {
	_, url := opsServe(t, w)
	return cloudwatch.NewFromConfig(opsConfig(), func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(url) })
}

func cpuQuery(id string, dims map[string]string, period int32, stat string) cwtypes.MetricDataQuery {
	var d []cwtypes.Dimension
	for k, v := range dims {
		d = append(d, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(v)})
	}
	return cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{
		Metric: &cwtypes.Metric{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUUtilization"), Dimensions: d},
		Period: aws.Int32(period), Stat: aws.String(stat),
	}}
}

var apiDims = map[string]string{"ClusterName": "demo", "ServiceName": "api"}

func TestGetMetricData(t *testing.T) {
	cw := cwOps(t, metricWorld())
	type result struct {
		ID, Label string
		Times     []time.Time
		Values    []float64
		Status    cwtypes.StatusCode
	}
	tests := []struct {
		name    string
		in      cloudwatch.GetMetricDataInput
		want    []result
		wantErr string
	}{
		{
			name: "5-minute maxima, newest first, window end exclusive",
			in: cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(10)), EndTime: aws.Time(atMinute(25)),
				MetricDataQueries: []cwtypes.MetricDataQuery{cpuQuery("cpu", apiDims, 300, "Maximum")}},
			want: []result{{ID: "cpu", Label: "CPUUtilization", Times: []time.Time{atMinute(20), atMinute(15), atMinute(10)},
				Values: []float64{24, 19, 14}, Status: cwtypes.StatusCodeComplete}},
		},
		{
			name: "ascending averages and sums; ReturnData false is left out; label kept",
			in: func() cloudwatch.GetMetricDataInput {
				avg := cpuQuery("avg", apiDims, 600, "Average")
				avg.Label = aws.String("cpu avg")
				hidden := cpuQuery("hidden", apiDims, 60, "Sum")
				hidden.ReturnData = aws.Bool(false)
				return cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(20)), ScanBy: cwtypes.ScanByTimestampAscending,
					MetricDataQueries: []cwtypes.MetricDataQuery{avg, hidden, cpuQuery("sum", apiDims, 1200, "Sum")}}
			}(),
			want: []result{
				{ID: "avg", Label: "cpu avg", Times: []time.Time{atMinute(0), atMinute(10)}, Values: []float64{4.5, 14.5}, Status: cwtypes.StatusCodeComplete},
				{ID: "sum", Label: "CPUUtilization", Times: []time.Time{atMinute(0)}, Values: []float64{190}, Status: cwtypes.StatusCodeComplete},
			},
		},
		{
			name: "dimensions match exactly; a window without points is empty",
			in: cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(30)),
				MetricDataQueries: []cwtypes.MetricDataQuery{
					cpuQuery("cluster", map[string]string{"ClusterName": "demo"}, 60, "Average"),
					cpuQuery("more", map[string]string{"ClusterName": "demo", "ServiceName": "api", "X": "y"}, 60, "Average"),
				}},
			want: []result{{ID: "cluster", Label: "CPUUtilization", Status: cwtypes.StatusCodeComplete},
				{ID: "more", Label: "CPUUtilization", Status: cwtypes.StatusCodeComplete}},
		},
		{
			name: "percentile from the points' averages",
			in: cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(10)),
				MetricDataQueries: []cwtypes.MetricDataQuery{cpuQuery("p", apiDims, 600, "p90")}},
			want: []result{{ID: "p", Label: "CPUUtilization", Times: []time.Time{atMinute(0)}, Values: []float64{8}, Status: cwtypes.StatusCodeComplete}},
		},
		{
			name: "more than 500 queries",
			in: func() cloudwatch.GetMetricDataInput {
				in := cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(10))}
				for i := range 501 {
					in.MetricDataQueries = append(in.MetricDataQueries, cpuQuery(fmt.Sprintf("q%d", i), apiDims, 60, "Average"))
				}
				return in
			}(),
			wantErr: "ValidationError",
		},
		{
			name: "id must start lower-case",
			in: cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(10)),
				MetricDataQueries: []cwtypes.MetricDataQuery{cpuQuery("Cpu", apiDims, 60, "Average")}},
			wantErr: "InvalidParameterValue",
		},
		{
			name: "ids must be unique",
			in: cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(10)),
				MetricDataQueries: []cwtypes.MetricDataQuery{cpuQuery("a", apiDims, 60, "Average"), cpuQuery("a", apiDims, 60, "Maximum")}},
			wantErr: "InvalidParameterValue",
		},
		{
			name: "metric math is refused",
			in: cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(10)),
				MetricDataQueries: []cwtypes.MetricDataQuery{cpuQuery("a", apiDims, 60, "Average"), {Id: aws.String("e"), Expression: aws.String("a*2")}}},
			wantErr: "InvalidParameterValue",
		},
		{
			name: "MetricStat and Expression together",
			in: func() cloudwatch.GetMetricDataInput {
				q := cpuQuery("a", apiDims, 60, "Average")
				q.Expression = aws.String("a")
				return cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(10)), MetricDataQueries: []cwtypes.MetricDataQuery{q}}
			}(),
			wantErr: "InvalidParameterCombination",
		},
		{
			name: "bad period",
			in: cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(10)),
				MetricDataQueries: []cwtypes.MetricDataQuery{cpuQuery("a", apiDims, 90, "Average")}},
			wantErr: "InvalidParameterValue",
		},
		{
			name: "start after end",
			in: cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(10)), EndTime: aws.Time(atMinute(0)),
				MetricDataQueries: []cwtypes.MetricDataQuery{cpuQuery("a", apiDims, 60, "Average")}},
			wantErr: "InvalidParameterValue",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := cw.GetMetricData(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var got []result
			for _, r := range out.MetricDataResults {
				got = append(got, result{ID: aws.ToString(r.Id), Label: aws.ToString(r.Label), Times: r.Timestamps, Values: r.Values, Status: r.StatusCode})
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			if out.NextToken != nil {
				t.Errorf("NextToken = %q, want none", *out.NextToken)
			}
		})
	}
}

// TestGetMetricDataPages walks MaxDatapoints-sized pages and checks that
// together they give the whole answer, marked PartialData until the end.
func TestGetMetricDataPages(t *testing.T) {
	cw := cwOps(t, metricWorld())
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(30)), MaxDatapoints: aws.Int32(7),
		MetricDataQueries: []cwtypes.MetricDataQuery{cpuQuery("a", apiDims, 300, "Maximum"), cpuQuery("b", apiDims, 60, "Minimum")}}
	values := map[string][]float64{}
	pages := 0
	p := cloudwatch.NewGetMetricDataPaginator(cw, in)
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.MetricDataResults {
			values[*r.Id] = append(values[*r.Id], r.Values...)
			if len(r.Values) > 7 {
				t.Errorf("page %d: %s has %d values, more than MaxDatapoints", pages, *r.Id, len(r.Values))
			}
		}
	}
	if pages != 6 { // 6 + 30 values in pages of 7
		t.Errorf("%d pages, want 6", pages)
	}
	var b []float64
	for i := 29; i >= 0; i-- {
		b = append(b, float64(i))
	}
	want := map[string][]float64{"a": {29, 24, 19, 14, 9, 4}, "b": b}
	if diff := cmp.Diff(want, values); diff != "" {
		t.Errorf("values over all pages (-want +got):\n%s", diff)
	}
}

func TestGetMetricStatistics(t *testing.T) {
	cw := cwOps(t, metricWorld())
	dims := []cwtypes.Dimension{{Name: aws.String("ServiceName"), Value: aws.String("api")}, {Name: aws.String("ClusterName"), Value: aws.String("demo")}}
	tests := []struct {
		name    string
		in      cloudwatch.GetMetricStatisticsInput
		want    []cwtypes.Datapoint
		wantErr string
	}{
		{
			name: "10-minute average, maximum, count and p50",
			in: cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUUtilization"), Dimensions: dims,
				StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(20)), Period: aws.Int32(600),
				Statistics: []cwtypes.Statistic{cwtypes.StatisticAverage, cwtypes.StatisticMaximum, cwtypes.StatisticSampleCount}, ExtendedStatistics: []string{"p50"}},
			want: []cwtypes.Datapoint{
				{Timestamp: aws.Time(atMinute(0)), Average: aws.Float64(4.5), Maximum: aws.Float64(9), SampleCount: aws.Float64(10), ExtendedStatistics: map[string]float64{"p50": 4}, Unit: cwtypes.StandardUnitNone},
				{Timestamp: aws.Time(atMinute(10)), Average: aws.Float64(14.5), Maximum: aws.Float64(19), SampleCount: aws.Float64(10), ExtendedStatistics: map[string]float64{"p50": 14}, Unit: cwtypes.StandardUnitNone},
			},
		},
		{
			name: "stored unit is reported",
			in: cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("MemoryUtilization"), Dimensions: dims,
				StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(30)), Period: aws.Int32(1800), Statistics: []cwtypes.Statistic{cwtypes.StatisticMinimum}},
			want: []cwtypes.Datapoint{{Timestamp: aws.Time(atMinute(0)), Minimum: aws.Float64(50), Unit: cwtypes.StandardUnitPercent}},
		},
		{
			name: "another unit matches nothing",
			in: cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("MemoryUtilization"), Dimensions: dims, Unit: cwtypes.StandardUnitBytes,
				StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(30)), Period: aws.Int32(1800), Statistics: []cwtypes.Statistic{cwtypes.StatisticMinimum}},
		},
		{
			name: "over 1440 datapoints",
			in: cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUUtilization"), Dimensions: dims,
				StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(0).Add(25 * time.Hour)), Period: aws.Int32(60), Statistics: []cwtypes.Statistic{cwtypes.StatisticMinimum}},
			wantErr: "InvalidParameterCombination",
		},
		{
			name: "no statistic",
			in: cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUUtilization"),
				StartTime: aws.Time(atMinute(0)), EndTime: aws.Time(atMinute(10)), Period: aws.Int32(60)},
			wantErr: "MissingParameter",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := cw.GetMetricStatistics(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.Datapoints, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(cwtypes.Datapoint{})); diff != "" {
				t.Errorf("datapoints (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListMetrics(t *testing.T) {
	cw := cwOps(t, metricWorld())
	tests := []struct {
		name string
		in   cloudwatch.ListMetricsInput
		want []string
	}{
		{name: "all", want: []string{"CPUUtilization", "MemoryUtilization", "CPUReservation"}},
		{name: "by name", in: cloudwatch.ListMetricsInput{MetricName: aws.String("CPUReservation")}, want: []string{"CPUReservation"}},
		{name: "having a dimension", in: cloudwatch.ListMetricsInput{Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("ServiceName")}}},
			want: []string{"CPUUtilization", "MemoryUtilization"}},
		{name: "dimension value", in: cloudwatch.ListMetricsInput{Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("ServiceName"), Value: aws.String("web")}}}},
		{name: "other namespace", in: cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/EC2")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := cw.ListMetrics(context.Background(), &tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range out.Metrics {
				got = append(got, aws.ToString(m.MetricName))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("metrics (-want +got):\n%s", diff)
			}
		})
	}
	out, err := cw.ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{MetricName: aws.String("CPUReservation")})
	if err != nil {
		t.Fatal(err)
	}
	want := []cwtypes.Dimension{{Name: aws.String("ClusterName"), Value: aws.String("demo")}}
	if diff := cmp.Diff(want, out.Metrics[0].Dimensions, cmpopts.IgnoreUnexported(cwtypes.Dimension{})); diff != "" {
		t.Errorf("dimensions (-want +got):\n%s", diff)
	}
}

func TestDescribeAlarms(t *testing.T) {
	cw := cwOps(t, metricWorld())
	tests := []struct {
		name    string
		in      cloudwatch.DescribeAlarmsInput
		want    []string
		wantErr string
	}{
		{name: "all", want: []string{"api-cpu-high", "api-cpu-low", "db-cpu"}},
		{name: "prefix", in: cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("api-")}, want: []string{"api-cpu-high", "api-cpu-low"}},
		{name: "names and state", in: cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"api-cpu-low", "db-cpu"}, StateValue: cwtypes.StateValueOk}, want: []string{"api-cpu-low", "db-cpu"}},
		{name: "state", in: cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueAlarm}, want: []string{"api-cpu-high"}},
		{name: "composite only", in: cloudwatch.DescribeAlarmsInput{AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeCompositeAlarm}}},
		{name: "names with prefix", in: cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"x"}, AlarmNamePrefix: aws.String("x")}, wantErr: "InvalidParameterCombination"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := cw.DescribeAlarms(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var got []string
			for _, a := range out.MetricAlarms {
				got = append(got, aws.ToString(a.AlarmName))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("alarms (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMetricHandlersDirect covers what the SDK refuses to send: missing
// required members and odd value types.
func TestMetricHandlersDirect(t *testing.T) {
	s := &Server{w: metricWorld()}
	tests := []struct {
		name string
		h    Handler
		in   map[string]any
		want string
	}{
		{name: "no queries", h: getMetricData, in: map[string]any{"StartTime": atMinute(0), "EndTime": atMinute(1)}, want: "MissingParameter"},
		{name: "no start", h: getMetricData, in: map[string]any{"MetricDataQueries": []any{map[string]any{"Id": "a"}}, "EndTime": atMinute(1)}, want: "MissingParameter"},
		{name: "start as a word", h: getMetricData, in: map[string]any{"MetricDataQueries": []any{map[string]any{"Id": "a"}}, "StartTime": "soon", "EndTime": atMinute(1)}, want: "InvalidParameterValue"},
		{name: "no MetricStat nor Expression", h: getMetricData, in: map[string]any{"MetricDataQueries": []any{map[string]any{"Id": "a"}}, "StartTime": atMinute(0), "EndTime": atMinute(1)}, want: "InvalidParameterCombination"},
		{name: "query strings work", h: getMetricData, in: map[string]any{"MetricDataQueries": []any{map[string]any{"Id": "a", "MetricStat": map[string]any{
			"Metric": map[string]any{"Namespace": "AWS/ECS", "MetricName": "CPUUtilization"}, "Period": "60", "Stat": "Average"}, "ReturnData": "false"}},
			"StartTime": "2024-04-17T04:00:00Z", "EndTime": "1713326460", "NextToken": "o0"}},
		{name: "bad token", h: getMetricData, in: map[string]any{"MetricDataQueries": []any{map[string]any{"Id": "a", "Expression": "1"}}, "StartTime": atMinute(0), "EndTime": atMinute(1), "NextToken": "zzz"}, want: "InvalidNextToken"},
		{name: "bad stat", h: getMetricStatistics, in: map[string]any{"Namespace": "N", "MetricName": "M", "StartTime": atMinute(0), "EndTime": atMinute(1), "Period": int64(60), "Statistics": []any{"Mean"}}, want: "InvalidParameterValue"},
		{name: "bad state", h: describeAlarms, in: map[string]any{"StateValue": "RED"}, want: "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.h(s, &Request{Input: tt.in, Now: atMinute(30)})
			if got := apiCode(err); got != tt.want {
				t.Errorf("error = %v, want code %q", err, tt.want)
			}
		})
	}
}
