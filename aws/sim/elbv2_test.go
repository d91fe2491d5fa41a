package sim

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/google/go-cmp/cmp"
)

const (
	apiTG    = "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/api/0123456789abcdef"
	workerTG = "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/worker/fedcba9876543210"
	apiLB    = "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:loadbalancer/app/front/1111"
)

func elbWorld() *world.World {
	return &world.World{Now: atMinute(0), TargetGroups: []world.Object{
		{
			"TargetGroupArn": apiTG, "TargetGroupName": "api", "Protocol": "HTTP", "Port": int64(80), "TargetType": "instance",
			"HealthCheckProtocol": "HTTP", "HealthCheckPort": "traffic-port", "HealthCheckPath": "/", "HealthCheckEnabled": true,
			"HealthCheckIntervalSeconds": int64(30), "HealthCheckTimeoutSeconds": int64(5),
			"HealthyThresholdCount": int64(5), "UnhealthyThresholdCount": int64(2),
			"Matcher": map[string]any{"HttpCode": "200"}, "LoadBalancerArns": []any{apiLB},
			"TargetHealthDescriptions": []any{
				map[string]any{"Target": map[string]any{"Id": "i-1", "Port": int64(32768)}, "HealthCheckPort": "32768",
					"TargetHealth": map[string]any{"State": "unhealthy", "Reason": "Target.Timeout", "Description": "Request timed out"}},
				map[string]any{"Target": map[string]any{"Id": "i-2", "Port": int64(32769)}, "HealthCheckPort": "32769",
					"TargetHealth": map[string]any{"State": "healthy"}},
			},
		},
		{
			"TargetGroupArn": workerTG, "TargetGroupName": "worker", "Protocol": "TCP", "Port": int64(9000), "TargetType": "ip",
			"HealthCheckProtocol": "TCP", "HealthCheckIntervalSeconds": int64(30), "HealthCheckTimeoutSeconds": int64(10),
			"Attributes": []any{map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}, map[string]any{"Key": "custom.key", "Value": "x"}},
		},
	}}
}

func elbOps(t *testing.T) (*Server, *elb.Client) {
	s, url := opsServe(t, elbWorld())
	return s, elb.NewFromConfig(opsConfig(), func(o *elb.Options) { o.BaseEndpoint = aws.String(url) })
}

func TestDescribeTargetGroups(t *testing.T) {
	_, c := elbOps(t)
	tests := []struct {
		name    string
		in      elb.DescribeTargetGroupsInput
		want    []string
		wantErr string
	}{
		{name: "all", want: []string{"api", "worker"}},
		{name: "by ARN, in the order asked", in: elb.DescribeTargetGroupsInput{TargetGroupArns: []string{workerTG, apiTG}}, want: []string{"worker", "api"}},
		{name: "by name", in: elb.DescribeTargetGroupsInput{Names: []string{"api"}}, want: []string{"api"}},
		{name: "by load balancer", in: elb.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(apiLB)}, want: []string{"api"}},
		{name: "one unknown", in: elb.DescribeTargetGroupsInput{Names: []string{"api", "nope"}}, wantErr: "TargetGroupNotFound"},
		{name: "names and ARNs", in: elb.DescribeTargetGroupsInput{Names: []string{"api"}, TargetGroupArns: []string{apiTG}}, wantErr: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeTargetGroups(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var got []string
			for _, g := range out.TargetGroups {
				got = append(got, aws.ToString(g.TargetGroupName))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("target groups (-want +got):\n%s", diff)
			}
		})
	}

	out, err := c.DescribeTargetGroups(context.Background(), &elb.DescribeTargetGroupsInput{Names: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	g := out.TargetGroups[0]
	if aws.ToInt32(g.HealthCheckIntervalSeconds) != 30 || aws.ToString(g.Matcher.HttpCode) != "200" || len(g.LoadBalancerArns) != 1 || !aws.ToBool(g.HealthCheckEnabled) {
		t.Errorf("api target group = %+v, want the world's values", g)
	}

	// Raw handler: the world's extra keys are not served.
	s := &Server{w: elbWorld()}
	raw, err := describeTargetGroups(s, &Request{Input: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range raw["TargetGroups"].([]any) {
		for _, k := range []string{"TargetHealthDescriptions", "Attributes"} {
			if _, ok := g.(map[string]any)[k]; ok {
				t.Errorf("DescribeTargetGroups serves %s", k)
			}
		}
	}
}

func TestDescribeTargetHealth(t *testing.T) {
	_, c := elbOps(t)
	type health struct{ ID, State, Reason string }
	tests := []struct {
		name    string
		in      elb.DescribeTargetHealthInput
		want    []health
		wantErr string
	}{
		{name: "all targets", in: elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(apiTG)},
			want: []health{{"i-1", "unhealthy", "Target.Timeout"}, {"i-2", "healthy", ""}}},
		{name: "one target, and an unregistered one", in: elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(apiTG),
			Targets: []elbtypes.TargetDescription{{Id: aws.String("i-2")}, {Id: aws.String("i-9"), Port: aws.Int32(80)}}},
			want: []health{{"i-2", "healthy", ""}, {"i-9", "unused", "Target.NotRegistered"}}},
		{name: "no targets", in: elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(workerTG)}},
		{name: "unknown group", in: elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(apiTG + "0")}, wantErr: "TargetGroupNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeTargetHealth(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var got []health
			for _, d := range out.TargetHealthDescriptions {
				got = append(got, health{aws.ToString(d.Target.Id), string(d.TargetHealth.State), string(d.TargetHealth.Reason)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("health (-want +got):\n%s", diff)
			}
		})
	}
}

func TestModifyTargetGroup(t *testing.T) {
	tests := []struct {
		name    string
		in      elb.ModifyTargetGroupInput
		wantErr string
		check   func(g elbtypes.TargetGroup) bool
	}{
		{name: "health check settings", in: elb.ModifyTargetGroupInput{HealthCheckIntervalSeconds: aws.Int32(10), HealthCheckTimeoutSeconds: aws.Int32(8),
			UnhealthyThresholdCount: aws.Int32(5), HealthCheckPath: aws.String("/healthz"), Matcher: &elbtypes.Matcher{HttpCode: aws.String("200-299")}},
			check: func(g elbtypes.TargetGroup) bool {
				return aws.ToInt32(g.HealthCheckIntervalSeconds) == 10 && aws.ToInt32(g.HealthCheckTimeoutSeconds) == 8 &&
					aws.ToInt32(g.UnhealthyThresholdCount) == 5 && aws.ToString(g.HealthCheckPath) == "/healthz" && aws.ToString(g.Matcher.HttpCode) == "200-299"
			}},
		{name: "interval too long", in: elb.ModifyTargetGroupInput{HealthCheckIntervalSeconds: aws.Int32(301)}, wantErr: "ValidationError"},
		{name: "timeout too short", in: elb.ModifyTargetGroupInput{HealthCheckTimeoutSeconds: aws.Int32(1)}, wantErr: "ValidationError"},
		{name: "timeout not below the interval", in: elb.ModifyTargetGroupInput{HealthCheckTimeoutSeconds: aws.Int32(30)}, wantErr: "ValidationError"},
		{name: "threshold", in: elb.ModifyTargetGroupInput{HealthyThresholdCount: aws.Int32(11)}, wantErr: "ValidationError"},
		{name: "matcher code", in: elb.ModifyTargetGroupInput{Matcher: &elbtypes.Matcher{HttpCode: aws.String("200,600")}}, wantErr: "ValidationError"},
		{name: "path", in: elb.ModifyTargetGroupInput{HealthCheckPath: aws.String("healthz")}, wantErr: "ValidationError"},
		{name: "disable for instances", in: elb.ModifyTargetGroupInput{HealthCheckEnabled: aws.Bool(false)}, wantErr: "ValidationError"},
		{name: "port", in: elb.ModifyTargetGroupInput{HealthCheckPort: aws.String("70000")}, wantErr: "ValidationError"},
		{name: "unknown group", in: elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(apiTG + "0")}, wantErr: "TargetGroupNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := elbOps(t)
			if tt.in.TargetGroupArn == nil {
				tt.in.TargetGroupArn = aws.String(apiTG)
			}
			out, err := c.ModifyTargetGroup(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			// A later read sees the change, or the old values after an error.
			later, rerr := c.DescribeTargetGroups(context.Background(), &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{apiTG}})
			if rerr != nil {
				t.Fatal(rerr)
			}
			g := later.TargetGroups[0]
			if err != nil {
				if aws.ToInt32(g.HealthCheckIntervalSeconds) != 30 || aws.ToInt32(g.HealthCheckTimeoutSeconds) != 5 || aws.ToString(g.Matcher.HttpCode) != "200" {
					t.Errorf("after a rejected change the group is %+v", g)
				}
				return
			}
			if !tt.check(out.TargetGroups[0]) || !tt.check(g) {
				t.Errorf("answer %+v / later read %+v do not show the change", out.TargetGroups[0], g)
			}
		})
	}
}

func TestDescribeTargetGroupAttributes(t *testing.T) {
	_, c := elbOps(t)
	attrs := func(arn string) map[string]string {
		out, err := c.DescribeTargetGroupAttributes(context.Background(), &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, a := range out.Attributes {
			m[aws.ToString(a.Key)] = aws.ToString(a.Value)
		}
		return m
	}
	api, worker := attrs(apiTG), attrs(workerTG)
	for _, tt := range []struct{ got, key, want string }{
		{api["deregistration_delay.timeout_seconds"], "api deregistration delay", "300"},
		{api["stickiness.type"], "api stickiness", "lb_cookie"},
		{worker["deregistration_delay.timeout_seconds"], "worker deregistration delay", "30"},
		{worker["stickiness.type"], "worker stickiness", "source_ip"},
		{worker["custom.key"], "worker extra attribute", "x"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.key, tt.got, tt.want)
		}
	}
	_, err := c.DescribeTargetGroupAttributes(context.Background(), &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String("arn:nope")})
	if code := opsErrCode(t, err); code != "TargetGroupNotFound" {
		t.Errorf("unknown group: error %v, want TargetGroupNotFound", err)
	}
}
