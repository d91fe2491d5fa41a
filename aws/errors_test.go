package aws

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws/sim"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	const describe = "ecs:DescribeServices"
	tests := []struct {
		name   string
		fault  string
		opts   []Option
		ctx    func() (context.Context, context.CancelFunc)
		call   func(ctx context.Context, c *Clients) error // default DescribeServices
		want   string
		sdkErr bool // the SDK's OperationError is still inside
	}{
		{name: "access denied names the action AWS gives", fault: "DescribeServices=accessdenied", sdkErr: true,
			want: `access denied: the AWS identity ecsmedic uses may not call ecs:DescribeServices; add "ecs:DescribeServices" to its IAM policy (ecsmedic iam-policy prints the whole policy)`},
		{name: "access denied without the action in the message", fault: "DescribeServices=AccessDeniedException", sdkErr: true,
			want: `access denied: the AWS identity ecsmedic uses may not call ecs:DescribeServices; add "ecs:DescribeServices" to its IAM policy (ecsmedic iam-policy prints the whole policy)`},
		{name: "access denied on CloudWatch", fault: "GetMetricData=accessdenied", sdkErr: true,
			call: func(ctx context.Context, c *Clients) error {
				_, err := c.getMetrics(ctx, clusterMetricQueries("codedang"), metricWindow{Start: time.Unix(0, 0), End: time.Unix(600, 0), Period: 60})
				return err
			},
			want: `access denied: the AWS identity ecsmedic uses may not call cloudwatch:GetMetricData; add "cloudwatch:GetMetricData" to its IAM policy (ecsmedic iam-policy prints the whole policy)`},
		{name: "throttled after retries", fault: "DescribeServices=throttle", sdkErr: true,
			want: `AWS is throttling this account (` + describe + ` was refused as "rate exceeded", after 2 tries); wait a minute and try again, and check whether another tool is polling the same API`},
		{name: "server error", fault: "DescribeServices=500", sdkErr: true,
			want: `AWS answered ` + describe + ` with an internal error (HTTP 500, after 2 tries); this is usually brief: try again in a minute, and see https://health.aws.amazon.com if it lasts`},
		{name: "call timeout", fault: "DescribeServices=timeout", opts: []Option{WithCallTimeout(200 * time.Millisecond)}, sdkErr: true,
			want: `AWS did not answer within 200ms (` + describe + `); check the network path to AWS (or to AWS_ENDPOINT_URL) and try again`},
		{name: "connection reset", fault: "DescribeServices=reset", sdkErr: true,
			want: `the connection to AWS was cut before ` + describe + ` was answered, after 2 tries; check the network path to AWS (or to AWS_ENDPOINT_URL) and try again`},
		{name: "the caller's deadline", fault: "DescribeServices=timeout", sdkErr: true,
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 100*time.Millisecond)
			},
			want: `the command ran out of time waiting for AWS (` + describe + `); try again, or ask for a shorter time window`},
		{name: "unknown cluster", fault: "DescribeServices=ClusterNotFoundException", sdkErr: true,
			want: `the ECS cluster was not found (` + describe + `); check the cluster name in the config and the Region (aws ecs list-clusters)`},
		{name: "rejected credentials", fault: "DescribeServices=UnrecognizedClientException", sdkErr: true,
			want: `AWS rejected the credentials (UnrecognizedClientException on ` + describe + `): they are wrong or expired; refresh them (aws sso login, new keys) or check AWS_PROFILE`},
		{name: "unrecognised errors pass unchanged", fault: "DescribeServices=SomethingNew", sdkErr: true,
			want: `operation error ECS: DescribeServices, https response error StatusCode: 400, RequestID: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startSim(t, loadWorld(t, "backend137.yaml"), sim.Options{Faults: faults(t, tt.fault)}, tt.opts...)
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			call := tt.call
			if call == nil {
				call = func(ctx context.Context, c *Clients) error {
					_, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("codedang"), Services: []string{"backend"}})
					return err
				}
			}
			err := call(ctx, c)
			if err == nil {
				t.Fatal("the call succeeded, want the injected fault")
			}
			got := Explain(err)
			if msg := got.Error(); msg != tt.want && !(tt.name == "unrecognised errors pass unchanged" && len(msg) > len(tt.want) && msg[:len(tt.want)] == tt.want) {
				t.Errorf("Explain:\n got %s\nwant %s", msg, tt.want)
			}
			var op *smithy.OperationError
			if errors.As(got, &op) != tt.sdkErr {
				t.Errorf("SDK error kept = %v, want %v", !tt.sdkErr, tt.sdkErr)
			}
			if !errors.Is(got, err) {
				t.Error("the original error is not wrapped")
			}
		})
	}
}

func TestExplainWithoutAWS(t *testing.T) {
	t.Parallel()
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	noCreds := NewClientsForEndpoint(closed, "ap-northeast-2")
	noCreds.ECS = ecs.New(ecs.Options{
		Region: "ap-northeast-2", BaseEndpoint: aws.String(closed),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, errors.New("no EC2 IMDS role found")
		}),
	})
	tests := []struct {
		name string
		c    *Clients
		want string
	}{
		{name: "connection refused", c: NewClientsForEndpoint(closed, "ap-northeast-2", WithMaxAttempts(1)),
			want: "could not connect to " + closed + ": nothing is listening there; if AWS_ENDPOINT_URL or the endpoint setting points at a simulator, start it (ecsmedic sim --world FILE), else unset it"},
		{name: "no credentials", c: noCreds,
			want: "no AWS credentials found for ecs:DescribeServices: set AWS_PROFILE to a profile from ~/.aws/credentials, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run ecsmedic on ECS with a task role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.ECS.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("c"), Services: []string{"s"}})
			if err == nil {
				t.Fatal("the call succeeded")
			}
			if got := Explain(err).Error(); got != tt.want {
				t.Errorf("Explain:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	if Explain(nil) != nil {
		t.Error("Explain(nil) is not nil")
	}
	plain := errors.New("plain")
	if Explain(plain) != plain {
		t.Error("Explain changed an error it does not know")
	}
}

func TestClosestNames(t *testing.T) {
	t.Parallel()
	services := []string{"backend", "frontend", "codedang-backend", "worker", "Backend-Admin"}
	tests := []struct {
		name string
		in   string
		cand []string
		want []string
	}{
		{name: "typo", in: "backnd", cand: services, want: []string{"backend"}},
		{name: "exact first, then names holding it", in: "backend", cand: services, want: []string{"backend", "Backend-Admin", "codedang-backend"}},
		{name: "case", in: "WORKER", cand: services, want: []string{"worker"}},
		{name: "part of a name", in: "admin", cand: services, want: []string{"Backend-Admin"}},
		{name: "nothing close", in: "database", cand: services, want: nil},
		{name: "no candidates", in: "backend", cand: nil, want: nil},
		{name: "empty name", in: "", cand: []string{"ab", "abcdef"}, want: []string{"ab"}},
		{name: "at most three", in: "api", cand: []string{"api1", "api2", "api3", "api4"}, want: []string{"api1", "api2", "api3"}},
		{name: "unicode", in: "백엔드", cand: []string{"백엔드2", "frontend"}, want: []string{"백엔드2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ClosestNames(tt.in, tt.cand)); diff != "" {
				t.Errorf("ClosestNames(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
