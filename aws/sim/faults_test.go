package sim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

func TestParseFault(t *testing.T) {
	tests := []struct {
		spec    string
		want    Fault
		wantErr string
	}{
		{"DescribeServices@3=throttle", Fault{Operation: "DescribeServices", From: 3, Kind: FaultThrottle}, ""},
		{"ecs:UpdateService=500", Fault{Service: SvcECS, Operation: "UpdateService", Kind: Fault500}, ""},
		{"GetMetricData@2+=timeout", Fault{Operation: "GetMetricData", From: 2, Onward: true, Kind: FaultTimeout}, ""},
		{"RegisterTaskDefinition=AccessDeniedException", Fault{Operation: "RegisterTaskDefinition", Kind: "AccessDeniedException"}, ""},
		{"DescribeServices", Fault{Operation: "DescribeServices", Kind: Fault500}, ""},
		{"ecs:UpdateService=Reset", Fault{Service: SvcECS, Operation: "UpdateService", Kind: FaultReset}, ""},
		{"RegisterTaskDefinition@2=reset-after", Fault{Operation: "RegisterTaskDefinition", From: 2, Kind: FaultResetAfter}, ""},
		{"cloudwatch:GetMetricData=Throttle", Fault{Service: SvcCloudWatch, Operation: "GetMetricData", Kind: FaultThrottle}, ""},
		{"", Fault{}, "empty"},
		{"X@0=throttle", Fault{}, "call number"},
		{"X@a", Fault{}, "call number"},
		{"X=", Fault{}, "nothing after"},
		{"ec2:X", Fault{}, "unknown service"},
		{"=throttle", Fault{}, "operation name is missing"},
		{"Describe Services", Fault{}, "must be an API name"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseFault(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "expected e.g. DescribeServices@3=throttle") {
					t.Fatalf("error = %v, want one mentioning %q and an example", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if again, err := ParseFault(got.String()); err != nil || again != got {
				t.Errorf("String() %q does not parse back: %v, %v", got.String(), again, err)
			}
		})
	}
}

func TestFaultMatches(t *testing.T) {
	tests := []struct {
		spec string
		hits []int // call numbers 1..5 of ecs DescribeServices that fail
	}{
		{"DescribeServices", []int{1, 2, 3, 4, 5}},
		{"DescribeServices@3", []int{3}},
		{"DescribeServices@3+", []int{3, 4, 5}},
		{"ecs:DescribeServices@2", []int{2}},
		{"logs:DescribeServices", nil},
		{"DescribeClusters", nil},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			f, err := ParseFault(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			var hits []int
			for n := 1; n <= 5; n++ {
				if f.matches(SvcECS, "DescribeServices", n) {
					hits = append(hits, n)
				}
			}
			if diff := cmp.Diff(tt.hits, hits); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFaultError(t *testing.T) {
	s := New(&world.World{AccountID: "123456789012", Region: "eu-west-1"}, Options{Freeze: true})
	tests := []struct {
		spec, service, op string
		want              APIError
	}{
		{"X=throttle", SvcECS, "X", APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: http.StatusBadRequest}},
		{"X=throttle", SvcELBv2, "X", APIError{Code: "Throttling", Message: "Rate exceeded", Status: http.StatusBadRequest}},
		{"X=500", SvcECS, "X", APIError{Code: "InternalFailure", Message: "We encountered an internal error. Please try again.", Status: 500}},
		{"X=503", SvcLogs, "X", APIError{Code: "ServiceUnavailable", Message: "The service is unavailable. Please try again shortly.", Status: 503}},
		{"X=ClusterNotFoundException", SvcECS, "X", APIError{Code: "ClusterNotFoundException", Message: "Injected by --fail X=ClusterNotFoundException", Status: 400}},
		{"X=accessdenied", SvcAutoScaling, "UpdateAutoScalingGroup", APIError{Code: "AccessDenied", Status: 400,
			Message: "User: arn:aws:sts::123456789012:assumed-role/ecsmedic/session is not authorized to perform: autoscaling:UpdateAutoScalingGroup on resource: arn:aws:autoscaling:eu-west-1:123456789012:* because no identity-based policy allows the autoscaling:UpdateAutoScalingGroup action"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.service, func(t *testing.T) {
			f, err := ParseFault(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *s.faultError(f, tt.service, tt.op)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestResetThroughSDK: a reset closes the connection without an answer;
// the real SDK client sees a connection error (not an API error), and
// only reset-after runs the write.
func TestResetThroughSDK(t *testing.T) {
	for _, tt := range []struct {
		kind string
		ran  int32
	}{{FaultReset, 0}, {FaultResetAfter, 1}} {
		t.Run(tt.kind, func(t *testing.T) {
			var ran atomic.Int32 // the reset gives the race detector no happens-before
			override(t, SvcECS, "UpdateService", true, func(*Server, *Request) (map[string]any, error) {
				ran.Add(1)
				return map[string]any{}, nil
			})
			s, url := start(t, Options{Freeze: true, Faults: []Fault{mustFault(t, "ecs:UpdateService="+tt.kind)}})
			_, err := ecsClient(url, 1).UpdateService(context.Background(), &ecs.UpdateServiceInput{Service: aws.String("backend")})
			var api smithy.APIError
			if err == nil || errors.As(err, &api) {
				t.Fatalf("error = %v, want a connection error", err)
			}
			if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("error = %v, want a connection reset or a closed connection", err)
			}
			if got := ran.Load(); got != tt.ran {
				t.Errorf("the handler ran %d times, want %d", got, tt.ran)
			}
			c := s.Calls()
			if len(c) != 1 || !c[0].Injected || c[0].Status != 0 || c[0].ErrorCode != "ConnectionReset" {
				t.Errorf("calls = %+v, want one injected reset", c)
			}
		})
	}
}
