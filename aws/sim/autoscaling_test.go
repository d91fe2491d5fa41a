package sim

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func asgWorld() *world.World {
	return &world.World{Now: atMinute(0),
		AutoScalingGroups: []world.Object{
			{"AutoScalingGroupName": "ecs-demo", "MinSize": int64(1), "MaxSize": int64(4), "DesiredCapacity": int64(2),
				"Instances": []any{map[string]any{"InstanceId": "i-1", "LifecycleState": "InService"}}},
			{"AutoScalingGroupName": "other", "MinSize": int64(0), "MaxSize": int64(1), "DesiredCapacity": int64(0)},
		},
		AutoScalingPolicies: []world.Object{
			{"AutoScalingGroupName": "ecs-demo", "PolicyName": "mem-step", "PolicyType": "StepScaling", "AdjustmentType": "ChangeInCapacity",
				"PolicyARN":       "arn:aws:autoscaling:ap-northeast-2:111122223333:scalingPolicy:1:autoScalingGroupName/ecs-demo:policyName/mem-step",
				"StepAdjustments": []any{map[string]any{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": int64(1)}}, "Enabled": true},
		},
	}
}

func asgOps(t *testing.T) *autoscaling.Client {
	_, url := opsServe(t, asgWorld())
	return autoscaling.NewFromConfig(opsConfig(), func(o *autoscaling.Options) { o.BaseEndpoint = aws.String(url) })
}

func policyNames(t *testing.T, c *autoscaling.Client, in *autoscaling.DescribePoliciesInput) []string {
	t.Helper()
	out, err := c.DescribePolicies(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range out.ScalingPolicies {
		names = append(names, aws.ToString(p.PolicyName))
	}
	return names
}

func TestDescribeAutoScalingGroups(t *testing.T) {
	c := asgOps(t)
	tests := []struct {
		names []string
		want  []string
	}{
		{want: []string{"ecs-demo", "other"}},
		{names: []string{"other", "missing"}, want: []string{"other"}},
		{names: []string{"missing"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.names, ","), func(t *testing.T) {
			out, err := c.DescribeAutoScalingGroups(context.Background(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: tt.names})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range out.AutoScalingGroups {
				got = append(got, aws.ToString(g.AutoScalingGroupName))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
		})
	}
	out, err := c.DescribeAutoScalingGroups(context.Background(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"ecs-demo"}})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.AutoScalingGroups[0]; aws.ToInt32(g.MaxSize) != 4 || len(g.Instances) != 1 || aws.ToString(g.Instances[0].InstanceId) != "i-1" {
		t.Errorf("ecs-demo = %+v, want the world's values", g)
	}
}

func TestPutScalingPolicyASG(t *testing.T) {
	tracking := func(disableScaleIn bool) *astypes.TargetTrackingConfiguration {
		return &astypes.TargetTrackingConfiguration{TargetValue: aws.Float64(75), DisableScaleIn: aws.Bool(disableScaleIn),
			CustomizedMetricSpecification: &astypes.CustomizedMetricSpecification{MetricName: aws.String("CPUReservation"), Namespace: aws.String("AWS/ECS"),
				Statistic: astypes.MetricStatisticAverage, Dimensions: []astypes.MetricDimension{{Name: aws.String("ClusterName"), Value: aws.String("demo")}}}}
	}
	tests := []struct {
		name       string
		in         autoscaling.PutScalingPolicyInput
		wantAlarms int
		wantErr    string
	}{
		{name: "target tracking", in: autoscaling.PutScalingPolicyInput{PolicyType: aws.String("TargetTrackingScaling"), TargetTrackingConfiguration: tracking(false)}, wantAlarms: 2},
		{name: "target tracking without scale-in", in: autoscaling.PutScalingPolicyInput{PolicyType: aws.String("TargetTrackingScaling"), TargetTrackingConfiguration: tracking(true)}, wantAlarms: 1},
		{name: "predefined metric", in: autoscaling.PutScalingPolicyInput{PolicyType: aws.String("TargetTrackingScaling"),
			TargetTrackingConfiguration: &astypes.TargetTrackingConfiguration{TargetValue: aws.Float64(50),
				PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeASGAverageCPUUtilization}}}, wantAlarms: 2},
		{name: "step", in: autoscaling.PutScalingPolicyInput{PolicyType: aws.String("StepScaling"), AdjustmentType: aws.String("ChangeInCapacity"),
			StepAdjustments: []astypes.StepAdjustment{{MetricIntervalLowerBound: aws.Float64(0), ScalingAdjustment: aws.Int32(1)}}}},
		{name: "simple", in: autoscaling.PutScalingPolicyInput{AdjustmentType: aws.String("ExactCapacity"), ScalingAdjustment: aws.Int32(2), Cooldown: aws.Int32(60)}},
		{name: "unknown group", in: autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("nope"), AdjustmentType: aws.String("ExactCapacity"), ScalingAdjustment: aws.Int32(2)}, wantErr: "ValidationError"},
		{name: "tracking without configuration", in: autoscaling.PutScalingPolicyInput{PolicyType: aws.String("TargetTrackingScaling")}, wantErr: "ValidationError"},
		{name: "both metric kinds", in: autoscaling.PutScalingPolicyInput{PolicyType: aws.String("TargetTrackingScaling"), TargetTrackingConfiguration: func() *astypes.TargetTrackingConfiguration {
			c := tracking(false)
			c.PredefinedMetricSpecification = &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeASGAverageCPUUtilization}
			return c
		}()}, wantErr: "ValidationError"},
		{name: "simple without adjustment", in: autoscaling.PutScalingPolicyInput{AdjustmentType: aws.String("ExactCapacity")}, wantErr: "ValidationError"},
		{name: "step without steps", in: autoscaling.PutScalingPolicyInput{PolicyType: aws.String("StepScaling"), AdjustmentType: aws.String("ChangeInCapacity")}, wantErr: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := asgOps(t)
			if tt.in.AutoScalingGroupName == nil {
				tt.in.AutoScalingGroupName = aws.String("ecs-demo")
			}
			tt.in.PolicyName = aws.String("p")
			out, err := c.PutScalingPolicy(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			if err != nil {
				if got := policyNames(t, c, &autoscaling.DescribePoliciesInput{}); !cmp.Equal(got, []string{"mem-step"}) {
					t.Errorf("after a rejected policy the policies are %v", got)
				}
				return
			}
			if len(out.Alarms) != tt.wantAlarms || !strings.Contains(aws.ToString(out.PolicyARN), ":autoScalingGroupName/ecs-demo:policyName/p") {
				t.Errorf("answer: ARN %s, %d alarms; want %d alarms", aws.ToString(out.PolicyARN), len(out.Alarms), tt.wantAlarms)
			}
			d, err := c.DescribePolicies(context.Background(), &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("ecs-demo"), PolicyNames: []string{"p"}})
			if err != nil || len(d.ScalingPolicies) != 1 {
				t.Fatalf("DescribePolicies: %v, %v", d, err)
			}
			got := d.ScalingPolicies[0]
			if aws.ToString(got.PolicyARN) != aws.ToString(out.PolicyARN) || !aws.ToBool(got.Enabled) {
				t.Errorf("stored policy %+v does not match the answer", got)
			}
			if tt.in.TargetTrackingConfiguration != nil {
				if diff := cmp.Diff(tt.in.TargetTrackingConfiguration, got.TargetTrackingConfiguration, cmpopts.IgnoreUnexported(
					astypes.TargetTrackingConfiguration{}, astypes.CustomizedMetricSpecification{}, astypes.MetricDimension{}, astypes.PredefinedMetricSpecification{}),
					cmpopts.EquateEmpty(), cmp.Comparer(func(a, b *bool) bool { return aws.ToBool(a) == aws.ToBool(b) })); diff != "" {
					t.Errorf("stored configuration (-sent +stored):\n%s", diff)
				}
			}
		})
	}
}

func TestScalingPolicyLifecycleASG(t *testing.T) {
	c := asgOps(t)
	ctx := context.Background()
	put := &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("ecs-demo"), PolicyName: aws.String("cpu"), AdjustmentType: aws.String("ChangeInCapacity"), ScalingAdjustment: aws.Int32(1)}
	first, err := c.PutScalingPolicy(ctx, put)
	if err != nil {
		t.Fatal(err)
	}
	put.ScalingAdjustment = aws.Int32(2)
	second, err := c.PutScalingPolicy(ctx, put)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(first.PolicyARN) != aws.ToString(second.PolicyARN) {
		t.Errorf("an update changed the ARN: %s → %s", *first.PolicyARN, *second.PolicyARN)
	}
	for _, tt := range []struct {
		in   autoscaling.DescribePoliciesInput
		want []string
	}{
		{in: autoscaling.DescribePoliciesInput{}, want: []string{"mem-step", "cpu"}},
		{in: autoscaling.DescribePoliciesInput{PolicyTypes: []string{"SimpleScaling"}}, want: []string{"cpu"}},
		{in: autoscaling.DescribePoliciesInput{PolicyNames: []string{*first.PolicyARN}}, want: []string{"cpu"}},
		{in: autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("other")}},
	} {
		if got := policyNames(t, c, &tt.in); !cmp.Equal(got, tt.want) {
			t.Errorf("DescribePolicies(%+v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if _, err := c.DeletePolicy(ctx, &autoscaling.DeletePolicyInput{AutoScalingGroupName: aws.String("ecs-demo"), PolicyName: aws.String("cpu")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePolicy(ctx, &autoscaling.DeletePolicyInput{PolicyName: aws.String(*first.PolicyARN)}); opsErrCode(t, err) != "ValidationError" {
		t.Errorf("deleting it again: %v, want ValidationError", err)
	}
	if got := policyNames(t, c, &autoscaling.DescribePoliciesInput{}); !cmp.Equal(got, []string{"mem-step"}) {
		t.Errorf("after delete: %v", got)
	}
	acts, err := c.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("ecs-demo")})
	if err != nil || len(acts.Activities) != 0 {
		t.Errorf("DescribeScalingActivities = %v, %v; want none", acts, err)
	}
}

func TestSetDesiredCapacity(t *testing.T) {
	tests := []struct {
		group   string
		n       int32
		wantErr string
	}{
		{group: "ecs-demo", n: 4},
		{group: "ecs-demo", n: 1},
		{group: "ecs-demo", n: 5, wantErr: "ValidationError"},
		{group: "ecs-demo", n: 0, wantErr: "ValidationError"},
		{group: "nope", n: 1, wantErr: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.group, func(t *testing.T) {
			c := asgOps(t)
			_, err := c.SetDesiredCapacity(context.Background(), &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String(tt.group), DesiredCapacity: aws.Int32(tt.n)})
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			out, err := c.DescribeAutoScalingGroups(context.Background(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"ecs-demo"}})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.n
			if tt.wantErr != "" {
				want = 2
			}
			if got := aws.ToInt32(out.AutoScalingGroups[0].DesiredCapacity); got != want {
				t.Errorf("desired capacity read back = %d, want %d", got, want)
			}
		})
	}
}
