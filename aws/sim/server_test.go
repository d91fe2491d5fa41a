package sim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/internal/testlog"
	"github.com/google/go-cmp/cmp"
)

// TestMain keeps the code's slog output out of the test output.
func TestMain(m *testing.M) { testlog.Main(m) }

// capture is the moment test worlds are frozen at.
var capture = time.Date(2026, 3, 14, 19, 42, 7, 250_000_000, time.UTC)

// start runs a simulator on loopback for the test.
func start(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s := New(&world.World{Now: capture, Region: "eu-west-1", AccountID: "123456789012"}, opts)
	url, err := s.Listen("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, url
}

// override installs h for service.op for the test, restoring what was
// registered before. Call it before start so the server goroutines see it.
func override(t *testing.T, service, op string, mutating bool, h Handler) {
	t.Helper()
	if operations[service] == nil {
		operations[service] = map[string]operation{}
	}
	old, had := operations[service][op]
	if h == nil {
		delete(operations[service], op)
	} else {
		operations[service][op] = operation{handler: h, mutating: mutating}
	}
	t.Cleanup(func() {
		if had {
			operations[service][op] = old
		} else {
			delete(operations[service], op)
		}
	})
}

func sdkConfig(attempts int) aws.Config {
	return aws.Config{
		Region:           "eu-west-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: attempts,
	}
}

func ecsClient(url string, attempts int) *ecs.Client {
	return ecs.NewFromConfig(sdkConfig(attempts), func(o *ecs.Options) { o.BaseEndpoint = aws.String(url) })
}

func cwClient(url string, attempts int) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(sdkConfig(attempts), func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(url) })
}

func stsClient(url string, attempts int) *sts.Client {
	return sts.NewFromConfig(sdkConfig(attempts), func(o *sts.Options) { o.BaseEndpoint = aws.String(url) })
}

func TestQueryProtocolSTS(t *testing.T) {
	s, url := start(t, Options{Freeze: true})
	c := stsClient(url, 1)
	ctx := context.Background()

	id, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{aws.ToString(id.Account), aws.ToString(id.Arn)}
	want := []string{"123456789012", "arn:aws:sts::123456789012:assumed-role/ecsmedic-sim/session"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetCallerIdentity (-want +got):\n%s", diff)
	}

	role, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/ops"), RoleSessionName: aws.String("bot"), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	if exp, want := aws.ToTime(role.Credentials.Expiration), capture.Add(15*time.Minute); !exp.Equal(want) {
		t.Errorf("Expiration = %v, want %v (timestamps must survive the XML)", exp, want)
	}
	if got, want := aws.ToString(role.AssumedRoleUser.Arn), "arn:aws:sts::123456789012:assumed-role/ops/bot"; got != want {
		t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, want)
	}

	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("r"), RoleSessionName: aws.String("b"), DurationSeconds: aws.Int32(1)})
	checkAPIError(t, err, "ValidationError")

	calls := s.Calls()
	if len(calls) != 3 || calls[0].Service != SvcSTS || calls[0].Operation != "GetCallerIdentity" || calls[2].ErrorCode != "ValidationError" {
		t.Errorf("call log = %+v", calls)
	}
}

func checkAPIError(t *testing.T, err error, code string) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want an API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("ErrorCode() = %q, want %q (message %q)", ae.ErrorCode(), code, ae.ErrorMessage())
	}
	return ae
}

func TestJSONProtocolECS(t *testing.T) {
	created := capture.Add(-36*time.Hour + 123*time.Millisecond)
	var input map[string]any
	override(t, SvcECS, "DescribeServices", false, func(s *Server, r *Request) (map[string]any, error) {
		input = r.Input
		return map[string]any{
			"services": []map[string]any{{
				"serviceName":  "backend",
				"desiredCount": int64(2),
				"createdAt":    created,
				"deployments":  []any{map[string]any{"status": "PRIMARY", "rolloutState": "COMPLETED", "updatedAt": created}},
				"tags":         nil,
			}},
			"failures": []any{},
		}, nil
	})
	_, url := start(t, Options{Freeze: true})
	out, err := ecsClient(url, 1).DescribeServices(context.Background(), &ecs.DescribeServicesInput{
		Cluster: aws.String("club"), Services: []string{"backend", "frontend"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantIn := map[string]any{"cluster": "club", "services": []any{"backend", "frontend"}}
	if diff := cmp.Diff(wantIn, input); diff != "" {
		t.Errorf("decoded input (-want +got):\n%s", diff)
	}
	if len(out.Services) != 1 {
		t.Fatalf("services = %+v", out.Services)
	}
	svc := out.Services[0]
	if got := aws.ToTime(svc.CreatedAt); !got.Equal(created) {
		t.Errorf("createdAt = %v, want %v", got, created)
	}
	if got := aws.ToTime(svc.Deployments[0].UpdatedAt); !got.Equal(created) {
		t.Errorf("deployments[0].updatedAt = %v, want %v", got, created)
	}
	if aws.ToString(svc.ServiceName) != "backend" || svc.DesiredCount != 2 {
		t.Errorf("service = %+v", svc)
	}
}

func TestCBORProtocolCloudWatch(t *testing.T) {
	from, to := capture.Add(-time.Hour), capture
	point := capture.Add(-5*time.Minute + 500*time.Millisecond)
	var input map[string]any
	override(t, SvcCloudWatch, "GetMetricData", false, func(s *Server, r *Request) (map[string]any, error) {
		input = r.Input
		return map[string]any{"MetricDataResults": []any{map[string]any{
			"Id": "cpu", "Label": "CPUUtilization", "StatusCode": "Complete",
			"Timestamps": []any{point, to}, "Values": []any{99.2, float64(98)},
		}}}, nil
	})
	_, url := start(t, Options{Freeze: true})
	out, err := cwClient(url, 1).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(from), EndTime: aws.Time(to),
		MetricDataQueries: []cwtypes.MetricDataQuery{{
			Id: aws.String("cpu"),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUUtilization"),
					Dimensions: []cwtypes.Dimension{{Name: aws.String("ClusterName"), Value: aws.String("club")}}},
				Period: aws.Int32(60), Stat: aws.String("Maximum"),
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantIn := map[string]any{
		"StartTime": from, "EndTime": to,
		"MetricDataQueries": []any{map[string]any{"Id": "cpu", "MetricStat": map[string]any{
			"Metric": map[string]any{"Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
				"Dimensions": []any{map[string]any{"Name": "ClusterName", "Value": "club"}}},
			"Period": int64(60), "Stat": "Maximum",
		}}},
	}
	if diff := cmp.Diff(wantIn, input); diff != "" {
		t.Errorf("decoded input (-want +got):\n%s", diff)
	}
	got := out.MetricDataResults[0]
	if diff := cmp.Diff([]time.Time{point, to}, got.Timestamps); diff != "" {
		t.Errorf("timestamps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{99.2, 98}, got.Values); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

// gmdInput is the smallest GetMetricData input the SDK will send.
var gmdInput = &cloudwatch.GetMetricDataInput{
	StartTime: aws.Time(capture.Add(-time.Hour)), EndTime: aws.Time(capture),
	MetricDataQueries: []cwtypes.MetricDataQuery{{Id: aws.String("m"), Expression: aws.String("1")}},
}

// TestErrorShapes checks that every protocol's error reaches the SDK with
// its code, so callers can errors.As on smithy.APIError.
func TestErrorShapes(t *testing.T) {
	fail := func(code string, status int) Handler {
		return func(*Server, *Request) (map[string]any, error) {
			return nil, &APIError{Code: code, Message: "no such thing", Status: status}
		}
	}
	override(t, SvcECS, "DescribeServices", false, fail("ClusterNotFoundException", 400))
	override(t, SvcCloudWatch, "GetMetricData", false, fail("InvalidParameterValue", 400))
	override(t, SvcSTS, "GetCallerIdentity", false, fail("ExpiredToken", 400))
	override(t, SvcECS, "ListClusters", false, func(*Server, *Request) (map[string]any, error) {
		return nil, errors.New("plain bug")
	})
	override(t, SvcECS, "ListServices", false, nil)
	override(t, SvcCloudWatch, "DescribeAlarms", false, nil)
	override(t, SvcSTS, "GetSessionToken", false, nil)
	_, url := start(t, Options{Freeze: true})
	ctx := context.Background()
	e, cw, st := ecsClient(url, 1), cwClient(url, 1), stsClient(url, 1)

	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"json", func() error {
			_, err := e.DescribeServices(ctx, &ecs.DescribeServicesInput{Services: []string{"x"}})
			return err
		}, "ClusterNotFoundException"},
		{"json plain error", func() error { _, err := e.ListClusters(ctx, &ecs.ListClustersInput{}); return err }, "InternalFailure"},
		{"json unknown op", func() error { _, err := e.ListServices(ctx, &ecs.ListServicesInput{}); return err }, "UnknownOperationException"},
		{"cbor", func() error { _, err := cw.GetMetricData(ctx, gmdInput); return err }, "InvalidParameterValue"},
		{"cbor unknown op", func() error { _, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); return err }, "UnknownOperationException"},
		{"query", func() error { _, err := st.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); return err }, "ExpiredToken"},
		{"query unknown op", func() error { _, err := st.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); return err }, "InvalidAction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkAPIError(t, tt.call(), tt.code)
		})
	}
}

func TestUnknownService(t *testing.T) {
	_, url := start(t, Options{Freeze: true})
	tests := []struct {
		name, target, body string
		want               string
	}{
		{"no protocol", "", "", "cannot tell which AWS API"},
		{"unknown target", "DynamoDB_20120810.GetItem", "{}", "does not serve"},
		{"bad json", "AmazonEC2ContainerServiceV20141113.ListClusters", "{", "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(tt.body))
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
				req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 400 || !strings.Contains(string(b), tt.want) {
				t.Errorf("got %d %s, want 400 mentioning %q", resp.StatusCode, b, tt.want)
			}
		})
	}
}

func TestFaultsThroughSDK(t *testing.T) {
	t.Run("throttle once, the SDK retries", func(t *testing.T) {
		s, url := start(t, Options{Freeze: true, Faults: []Fault{mustFault(t, "GetCallerIdentity@1=throttle")}})
		if _, err := stsClient(url, 3).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("want success after a retry, got %v", err)
		}
		got := s.Calls()
		for i := range got {
			got[i].Start, got[i].End, got[i].Arrived, got[i].Answered = time.Time{}, time.Time{}, 0, 0
		}
		want := []Call{
			{Seq: 1, Service: SvcSTS, Operation: "GetCallerIdentity", Status: 400, ErrorCode: "Throttling", Injected: true},
			{Seq: 2, Service: SvcSTS, Operation: "GetCallerIdentity", Status: 200},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	t.Run("accessdenied and a faulted mutation changes nothing", func(t *testing.T) {
		ran := 0
		override(t, SvcECS, "UpdateService", true, func(*Server, *Request) (map[string]any, error) {
			ran++
			return map[string]any{}, nil
		})
		s, url := start(t, Options{Freeze: true, Faults: []Fault{mustFault(t, "ecs:UpdateService=accessdenied")}})
		_, err := ecsClient(url, 1).UpdateService(context.Background(), &ecs.UpdateServiceInput{Service: aws.String("backend")})
		ae := checkAPIError(t, err, "AccessDeniedException")
		if want := "User: arn:aws:sts::123456789012:assumed-role/ecsmedic/session is not authorized to perform: ecs:UpdateService on resource: "; !strings.HasPrefix(ae.ErrorMessage(), want) {
			t.Errorf("message = %q, want it to start %q", ae.ErrorMessage(), want)
		}
		if ran != 0 {
			t.Errorf("the handler ran %d times; a faulted call must not reach it", ran)
		}
		if c := s.Calls(); len(c) != 1 || !c[0].Mutating || !c[0].Injected {
			t.Errorf("calls = %+v, want one injected mutating call", c)
		}
	})
	t.Run("timeout holds until the client gives up", func(t *testing.T) {
		s, url := start(t, Options{Freeze: true, Faults: []Fault{mustFault(t, "cloudwatch:GetMetricData=timeout")}})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := cwClient(url, 1).GetMetricData(ctx, gmdInput)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want the client's deadline", err)
		}
		if err := s.Close(); err != nil { // waits for the held call to be logged
			t.Fatal(err)
		}
		if c := s.Calls(); len(c) != 1 || !c[0].Injected || c[0].Status != http.StatusGatewayTimeout {
			t.Errorf("calls = %+v, want one injected timeout", c)
		}
	})
}

func mustFault(t *testing.T, spec string) Fault {
	t.Helper()
	f, err := ParseFault(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestLatencyOverlaps runs in a synctest bubble, as every test that
// counts round trips should (see RoundTrips).
func TestLatencyOverlaps(t *testing.T) { synctest.Test(t, testLatencyOverlaps) }

func testLatencyOverlaps(t *testing.T) {
	s := New(&world.World{Now: capture, Region: "eu-west-1", AccountID: "123456789012"}, Options{Freeze: true, Latency: 100 * time.Millisecond})
	url, dial := s.ListenPipe()
	tr := &http.Transport{DialContext: dial}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		_ = s.Close()
	})
	cfg := sdkConfig(1)
	cfg.HTTPClient = &http.Client{Transport: tr}
	c := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(url) })
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := RoundTrips(s.Calls()); got != 1 {
		t.Errorf("two concurrent calls: RoundTrips = %d, want 1", got)
	}
	if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if got := RoundTrips(s.Calls()); got != 2 {
		t.Errorf("then one more: RoundTrips = %d, want 2", got)
	}
}

func TestNewShiftsTime(t *testing.T) {
	wall := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	w := &world.World{Now: capture, Tasks: []world.Object{{"stoppedAt": capture.Add(-time.Minute)}}}
	tests := []struct {
		name             string
		opts             Options
		now, stopped     time.Time
		shift            time.Duration
		worldUnchangedAt time.Time
	}{
		{"shifted to the wall clock", Options{Clock: func() time.Time { return wall }}, wall, wall.Add(-time.Minute), wall.Sub(capture), capture},
		{"frozen", Options{Freeze: true, Clock: func() time.Time { return wall }}, capture, capture.Add(-time.Minute), 0, capture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(w, tt.opts)
			got := s.World()
			if !s.Now().Equal(tt.now) || !got.Now.Equal(tt.now) || s.Shift() != tt.shift {
				t.Errorf("Now = %v, world Now = %v, shift %v; want %v, %v", s.Now(), got.Now, s.Shift(), tt.now, tt.shift)
			}
			if st := got.Tasks[0]["stoppedAt"].(time.Time); !st.Equal(tt.stopped) {
				t.Errorf("stoppedAt = %v, want %v", st, tt.stopped)
			}
			if !w.Now.Equal(tt.worldUnchangedAt) {
				t.Errorf("New changed the caller's world")
			}
		})
	}
}

func TestListenRefusesRemote(t *testing.T) {
	tests := []struct {
		addr    string
		remote  bool
		wantErr string
	}{
		{"", false, ""},
		{"127.0.0.1:0", false, ""},
		{"localhost:0", false, ""},
		{"0.0.0.0:0", false, "refusing to listen"},
		{":0", false, "refusing to listen"},
		{"192.0.2.1:80", false, "refusing to listen"},
		{"nonsense", false, "not HOST:PORT"},
		{"0.0.0.0:0", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			s := New(&world.World{}, Options{AllowRemote: tt.remote})
			defer s.Close()
			url, err := s.Listen(tt.addr)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Listen: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Listen error = %v, want %q", err, tt.wantErr)
			case err == nil && !strings.HasPrefix(url, "http://"):
				t.Errorf("url = %q", url)
			}
		})
	}
}

// TestWithServiceHandlers runs the real ECS and CloudWatch handlers over
// their protocols, end to end through the SDK.
func TestWithServiceHandlers(t *testing.T) {
	at := capture.Truncate(time.Minute).Add(-2 * time.Minute) // CloudWatch aligns to the period
	w := &world.World{
		Now: capture, Region: "eu-west-1", AccountID: "123456789012",
		Clusters: []world.Object{{"clusterName": "club", "clusterArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/club", "status": "ACTIVE"}},
		Metrics: []world.Metric{{
			Namespace: "AWS/ECS", MetricName: "CPUUtilization", Period: 60,
			Dimensions: map[string]string{"ClusterName": "club", "ServiceName": "backend"},
			Points:     []world.Point{{Timestamp: at, Average: 99, Maximum: 99, Minimum: 99, Sum: 99, SampleCount: 1}},
		}},
	}
	s := New(w, Options{Freeze: true})
	url, err := s.Listen("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	cl, err := ecsClient(url, 1).DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"club"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Clusters) != 1 || aws.ToString(cl.Clusters[0].ClusterName) != "club" {
		t.Errorf("DescribeClusters = %+v", cl.Clusters)
	}

	md, err := cwClient(url, 1).GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(capture.Add(-time.Hour)), EndTime: aws.Time(capture),
		MetricDataQueries: []cwtypes.MetricDataQuery{{
			Id: aws.String("cpu"),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUUtilization"), Dimensions: []cwtypes.Dimension{
					{Name: aws.String("ClusterName"), Value: aws.String("club")}, {Name: aws.String("ServiceName"), Value: aws.String("backend")}}},
				Period: aws.Int32(60), Stat: aws.String("Maximum"),
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(md.MetricDataResults) != 1 {
		t.Fatalf("MetricDataResults = %+v", md.MetricDataResults)
	}
	r := md.MetricDataResults[0]
	if diff := cmp.Diff([]time.Time{at}, r.Timestamps); diff != "" {
		t.Errorf("timestamps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{99}, r.Values); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

// BenchmarkCallerIdentity measures one awsQuery round trip through the SDK.
func BenchmarkCallerIdentity(b *testing.B) {
	s := New(&world.World{Now: capture}, Options{Freeze: true})
	url, err := s.Listen("")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := stsClient(url, 1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentReadsAndWrites runs reads, a read that moves the scheduler
// and writes side by side; under -race it checks the world's locking.
func TestConcurrentReadsAndWrites(t *testing.T) {
	s, c := ecsSim(t, ecsTestWorld())
	ctx := context.Background()
	cluster := aws.String("club")
	calls := []func() error{
		func() error {
			_, err := c.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: cluster, Services: []string{"backend", "web"}})
			return err
		},
		func() error {
			_, err := c.ListTasks(ctx, &ecs.ListTasksInput{Cluster: cluster})
			return err
		},
		func() error {
			_, err := c.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{"club"}})
			return err
		},
		func() error {
			_, err := c.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: cluster, Service: aws.String("web"), DesiredCount: aws.Int32(2)})
			return err
		},
		func() error {
			s.World()
			s.AdvanceDeployments()
			return nil
		},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(calls))
	for range 4 {
		for _, call := range calls {
			wg.Go(func() { errs <- call() })
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
