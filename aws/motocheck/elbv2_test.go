package motocheck_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsmedic/ecsmedic/internal/mototest"
)

const (
	simTG     = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef"
	missingTG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/fedcba9876543210"
)

// motoVPC creates a VPC in moto, which CreateTargetGroup requires. This
// module has no EC2 client, and one awsQuery call does not need one.
func motoVPC(t *testing.T, base string) string {
	t.Helper()
	form := url.Values{"Action": {"CreateVpc"}, "Version": {"2016-11-15"}, "CidrBlock": {"10.0.0.0/16"}}
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, base+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// moto picks the service from the credential scope.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20240417/"+region+"/ec2/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("CreateVpc: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`<vpcId>(vpc-[0-9a-f]+)</vpcId>`).FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("CreateVpc: %s: %s", resp.Status, body)
	}
	return string(m[1])
}

// setupELB creates in moto the world's target group "api" with one
// registered (and, in moto, therefore healthy) instance.
func setupELB(t *testing.T, p pair, base string) {
	t.Helper()
	c := ctx(t)
	out, err := p.moto.elb.CreateTargetGroup(c, &elb.CreateTargetGroupInput{
		Name: aws.String("api"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: aws.String(motoVPC(t, base)), TargetType: elbtypes.TargetTypeEnumInstance,
		HealthCheckPath: aws.String("/"), Matcher: &elbtypes.Matcher{HttpCode: aws.String("200")},
	})
	if err != nil {
		t.Fatalf("CreateTargetGroup: %v", err)
	}
	p.moto.tg = aws.ToString(out.TargetGroups[0].TargetGroupArn)
	step(t, "RegisterTargets")(p.moto.elb.RegisterTargets(c, &elb.RegisterTargetsInput{
		TargetGroupArn: aws.String(p.moto.tg),
		Targets:        []elbtypes.TargetDescription{{Id: aws.String("i-0abc1234def567890"), Port: aws.Int32(32768)}},
	}))
}

func TestELBv2(t *testing.T) {
	p := newPair(t)
	setupELB(t, p, mototest.URL(t))
	call := func(f func(c context.Context, e *elb.Client, tg string) (any, error)) func(context.Context, *clients) (any, error) {
		return func(c context.Context, cl *clients) (any, error) { return f(c, cl.elb, cl.tg) }
	}
	run(t, p, []cmpCase{{
		name: "DescribeTargetGroups by name",
		call: call(func(c context.Context, e *elb.Client, _ string) (any, error) {
			return e.DescribeTargetGroups(c, &elb.DescribeTargetGroupsInput{Names: []string{"api"}})
		}),
		known: known{},
	}, {
		name: "DescribeTargetGroups by ARN",
		call: call(func(c context.Context, e *elb.Client, tg string) (any, error) {
			return e.DescribeTargetGroups(c, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
		}),
		known: known{},
	}, {
		name: "DescribeTargetGroups missing",
		call: call(func(c context.Context, e *elb.Client, _ string) (any, error) {
			return e.DescribeTargetGroups(c, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{missingTG}})
		}),
		fail: &failure{Code: "TargetGroupNotFound", Status: 400},
	}, {
		name: "DescribeTargetGroups missing name",
		call: call(func(c context.Context, e *elb.Client, _ string) (any, error) {
			return e.DescribeTargetGroups(c, &elb.DescribeTargetGroupsInput{Names: []string{"nope"}})
		}),
		fail: &failure{Code: "TargetGroupNotFound", Status: 400},
	}, {
		name: "ModifyTargetGroup valid",
		call: call(func(c context.Context, e *elb.Client, tg string) (any, error) {
			return e.ModifyTargetGroup(c, &elb.ModifyTargetGroupInput{
				TargetGroupArn: aws.String(tg), HealthCheckPath: aws.String("/health"), HealthCheckIntervalSeconds: aws.Int32(10),
				HealthCheckTimeoutSeconds: aws.Int32(6), UnhealthyThresholdCount: aws.Int32(3),
				Matcher: &elbtypes.Matcher{HttpCode: aws.String("200-299")},
			})
		}),
		known: known{},
		check: func(t *testing.T, m, s any) {
			for _, o := range []*elb.ModifyTargetGroupOutput{m.(*elb.ModifyTargetGroupOutput), s.(*elb.ModifyTargetGroupOutput)} {
				g := o.TargetGroups[0]
				if aws.ToString(g.HealthCheckPath) != "/health" || aws.ToInt32(g.HealthCheckIntervalSeconds) != 10 ||
					aws.ToInt32(g.HealthCheckTimeoutSeconds) != 6 || aws.ToInt32(g.UnhealthyThresholdCount) != 3 ||
					aws.ToString(g.Matcher.HttpCode) != "200-299" {
					t.Errorf("modified target group %+v", g)
				}
			}
		},
	}, {
		name: "ModifyTargetGroup interval below 5 seconds",
		call: call(func(c context.Context, e *elb.Client, tg string) (any, error) {
			return e.ModifyTargetGroup(c, &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(tg), HealthCheckIntervalSeconds: aws.Int32(1)})
		}),
		fail: &failure{Code: "ValidationError", Status: 400},
		gaps: map[string]string{"moto": "moto gap: moto checks no value ranges in ModifyTargetGroup (only the matcher's syntax)"},
	}, {
		name: "ModifyTargetGroup missing",
		call: call(func(c context.Context, e *elb.Client, _ string) (any, error) {
			return e.ModifyTargetGroup(c, &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(missingTG), HealthCheckPath: aws.String("/")})
		}),
		fail: &failure{Code: "TargetGroupNotFound", Status: 400},
	}, {
		name: "DescribeTargetHealth",
		call: call(func(c context.Context, e *elb.Client, tg string) (any, error) {
			return e.DescribeTargetHealth(c, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
		}),
		known: known{},
		check: func(t *testing.T, m, s any) {
			for _, o := range []*elb.DescribeTargetHealthOutput{m.(*elb.DescribeTargetHealthOutput), s.(*elb.DescribeTargetHealthOutput)} {
				if len(o.TargetHealthDescriptions) != 1 || o.TargetHealthDescriptions[0].TargetHealth.State != elbtypes.TargetHealthStateEnumHealthy {
					t.Errorf("target health %+v, want one healthy target", o.TargetHealthDescriptions)
				}
			}
		},
	}, {
		name: "DescribeTargetHealth missing",
		call: call(func(c context.Context, e *elb.Client, _ string) (any, error) {
			return e.DescribeTargetHealth(c, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(missingTG)})
		}),
		fail: &failure{Code: "TargetGroupNotFound", Status: 400},
	}})
}
