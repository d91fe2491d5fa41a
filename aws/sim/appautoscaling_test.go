package sim

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/google/go-cmp/cmp"
)

const ecsDim = aastypes.ScalableDimensionECSServiceDesiredCount

func aasWorld() *world.World {
	svc := func(name string) world.Object {
		return world.Object{"serviceName": name, "clusterArn": "arn:aws:ecs:ap-northeast-2:111122223333:cluster/demo",
			"serviceArn": "arn:aws:ecs:ap-northeast-2:111122223333:service/demo/" + name}
	}
	return &world.World{Now: atMinute(0),
		Services: []world.Object{svc("api"), svc("web")},
		ScalableTargets: []world.Object{{"ServiceNamespace": "ecs", "ResourceId": "service/demo/web", "ScalableDimension": "ecs:service:DesiredCount",
			"MinCapacity": int64(1), "MaxCapacity": int64(3), "CreationTime": atMinute(-60),
			"ScalableTargetARN": "arn:aws:application-autoscaling:ap-northeast-2:111122223333:scalable-target/0123"}},
		ScalingPolicies: []world.Object{{"PolicyName": "web-cpu", "ServiceNamespace": "ecs", "ResourceId": "service/demo/web",
			"ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling", "PolicyARN": "arn:web-cpu",
			"TargetTrackingScalingPolicyConfiguration": map[string]any{"TargetValue": 70.0,
				"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}}},
	}
}

func aasOps(t *testing.T) *aas.Client {
	_, url := opsServe(t, aasWorld())
	return aas.NewFromConfig(opsConfig(), func(o *aas.Options) { o.BaseEndpoint = aws.String(url) })
}

func targets(t *testing.T, c *aas.Client) map[string][2]int32 {
	t.Helper()
	out, err := c.DescribeScalableTargets(context.Background(), &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][2]int32{}
	for _, st := range out.ScalableTargets {
		m[aws.ToString(st.ResourceId)] = [2]int32{aws.ToInt32(st.MinCapacity), aws.ToInt32(st.MaxCapacity)}
	}
	return m
}

func TestRegisterScalableTarget(t *testing.T) {
	tests := []struct {
		name    string
		in      aas.RegisterScalableTargetInput
		want    map[string][2]int32
		wantErr string
	}{
		{name: "new target", in: aas.RegisterScalableTargetInput{ResourceId: aws.String("service/demo/api"), MinCapacity: aws.Int32(2), MaxCapacity: aws.Int32(6)},
			want: map[string][2]int32{"service/demo/web": {1, 3}, "service/demo/api": {2, 6}}},
		{name: "update keeps what is not given", in: aas.RegisterScalableTargetInput{ResourceId: aws.String("service/demo/web"), MaxCapacity: aws.Int32(8)},
			want: map[string][2]int32{"service/demo/web": {1, 8}}},
		{name: "min above max", in: aas.RegisterScalableTargetInput{ResourceId: aws.String("service/demo/api"), MinCapacity: aws.Int32(5), MaxCapacity: aws.Int32(4)}, wantErr: "ValidationException"},
		{name: "update makes min above max", in: aas.RegisterScalableTargetInput{ResourceId: aws.String("service/demo/web"), MinCapacity: aws.Int32(4)}, wantErr: "ValidationException"},
		{name: "new target without capacities", in: aas.RegisterScalableTargetInput{ResourceId: aws.String("service/demo/api")}, wantErr: "ValidationException"},
		{name: "no such service", in: aas.RegisterScalableTargetInput{ResourceId: aws.String("service/demo/nope"), MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(2)}, wantErr: "ValidationException"},
		{name: "wrong dimension", in: aas.RegisterScalableTargetInput{ResourceId: aws.String("service/demo/api"), ScalableDimension: aastypes.ScalableDimensionEC2SpotFleetRequestTargetCapacity,
			MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(2)}, wantErr: "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := aasOps(t)
			tt.in.ServiceNamespace = aastypes.ServiceNamespaceEcs
			if tt.in.ScalableDimension == "" {
				tt.in.ScalableDimension = ecsDim
			}
			out, err := c.RegisterScalableTarget(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			want := tt.want
			if err != nil {
				want = map[string][2]int32{"service/demo/web": {1, 3}}
			} else if !strings.HasPrefix(aws.ToString(out.ScalableTargetARN), "arn:aws:application-autoscaling:ap-northeast-2:111122223333:scalable-target/") {
				t.Errorf("ScalableTargetARN = %q", aws.ToString(out.ScalableTargetARN))
			}
			if diff := cmp.Diff(want, targets(t, c)); diff != "" {
				t.Errorf("targets read back (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScalableTargetLifecycle(t *testing.T) {
	c := aasOps(t)
	ctx := context.Background()
	// The SDK refuses to send a call without a namespace; the handler too.
	if _, err := describeScalableTargets(&Server{w: aasWorld()}, &Request{Input: map[string]any{}}); apiCode(err) != "ValidationException" {
		t.Errorf("no namespace: %v, want ValidationException", err)
	}
	out, err := c.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{"service/demo/web"}})
	if err != nil || len(out.ScalableTargets) != 1 || out.ScalableTargets[0].CreationTime == nil || !out.ScalableTargets[0].CreationTime.Equal(atMinute(-60)) {
		t.Fatalf("web target: %+v, %v", out, err)
	}
	if _, err := c.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/web"),
		ScalableDimension: ecsDim, SuspendedState: &aastypes.SuspendedState{DynamicScalingInSuspended: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	out, err = c.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{"service/demo/web"}})
	if err != nil || !aws.ToBool(out.ScalableTargets[0].SuspendedState.DynamicScalingInSuspended) {
		t.Errorf("suspended state not kept: %+v, %v", out, err)
	}
	del := &aas.DeregisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/web"), ScalableDimension: ecsDim}
	if _, err := c.DeregisterScalableTarget(ctx, del); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeregisterScalableTarget(ctx, del); opsErrCode(t, err) != "ObjectNotFoundException" {
		t.Errorf("deregistering again: %v, want ObjectNotFoundException", err)
	}
	if got := targets(t, c); len(got) != 0 {
		t.Errorf("targets after deregistering: %v", got)
	}
	pols, err := c.DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if err != nil || len(pols.ScalingPolicies) != 0 {
		t.Errorf("the target's policies should go with it: %+v, %v", pols, err)
	}
	acts, err := c.DescribeScalingActivities(ctx, &aas.DescribeScalingActivitiesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if err != nil || len(acts.ScalingActivities) != 0 {
		t.Errorf("DescribeScalingActivities = %+v, %v; want none", acts, err)
	}
}

func cpuTracking(target float64) *aastypes.TargetTrackingScalingPolicyConfiguration {
	return &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(target), ScaleInCooldown: aws.Int32(300), ScaleOutCooldown: aws.Int32(60),
		PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: aastypes.MetricTypeECSServiceAverageCPUUtilization}}
}

func TestPutScalingPolicyApp(t *testing.T) {
	tests := []struct {
		name       string
		in         aas.PutScalingPolicyInput
		wantAlarms int
		wantErr    string
	}{
		{name: "target tracking on CPU", in: aas.PutScalingPolicyInput{ResourceId: aws.String("service/demo/web"), PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
			TargetTrackingScalingPolicyConfiguration: cpuTracking(60)}, wantAlarms: 2},
		{name: "step", in: aas.PutScalingPolicyInput{ResourceId: aws.String("service/demo/web"), StepScalingPolicyConfiguration: &aastypes.StepScalingPolicyConfiguration{
			AdjustmentType: aastypes.AdjustmentTypeChangeInCapacity, StepAdjustments: []aastypes.StepAdjustment{{MetricIntervalLowerBound: aws.Float64(0), ScalingAdjustment: aws.Int32(1)}}}}},
		{name: "no scalable target", in: aas.PutScalingPolicyInput{ResourceId: aws.String("service/demo/api"), PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
			TargetTrackingScalingPolicyConfiguration: cpuTracking(60)}, wantErr: "ObjectNotFoundException"},
		{name: "EC2 metric for ECS", in: aas.PutScalingPolicyInput{ResourceId: aws.String("service/demo/web"), PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
			TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(50),
				PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: aastypes.MetricTypeEC2SpotFleetRequestAverageCPUUtilization}}}, wantErr: "ValidationException"},
		{name: "ALB requests without label", in: aas.PutScalingPolicyInput{ResourceId: aws.String("service/demo/web"), PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
			TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(50),
				PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: aastypes.MetricTypeALBRequestCountPerTarget}}}, wantErr: "ValidationException"},
		{name: "tracking without configuration", in: aas.PutScalingPolicyInput{ResourceId: aws.String("service/demo/web"), PolicyType: aastypes.PolicyTypeTargetTrackingScaling}, wantErr: "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := aasOps(t)
			tt.in.PolicyName, tt.in.ServiceNamespace, tt.in.ScalableDimension = aws.String("p"), aastypes.ServiceNamespaceEcs, ecsDim
			out, err := c.PutScalingPolicy(context.Background(), &tt.in)
			if code := opsErrCode(t, err); code != tt.wantErr {
				t.Fatalf("error = %v, want code %q", err, tt.wantErr)
			}
			pols, derr := c.DescribeScalingPolicies(context.Background(), &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, PolicyNames: []string{"p"}})
			if derr != nil {
				t.Fatal(derr)
			}
			if err != nil {
				if len(pols.ScalingPolicies) != 0 {
					t.Errorf("a rejected policy was stored: %+v", pols.ScalingPolicies)
				}
				return
			}
			if len(out.Alarms) != tt.wantAlarms || !strings.HasSuffix(aws.ToString(out.PolicyARN), ":resource/ecs/service/demo/web:policyName/p") {
				t.Errorf("answer: ARN %s, %d alarms; want %d", aws.ToString(out.PolicyARN), len(out.Alarms), tt.wantAlarms)
			}
			if len(pols.ScalingPolicies) != 1 || aws.ToString(pols.ScalingPolicies[0].PolicyARN) != aws.ToString(out.PolicyARN) {
				t.Fatalf("read back: %+v", pols.ScalingPolicies)
			}
			if cfg := pols.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration; tt.in.TargetTrackingScalingPolicyConfiguration != nil &&
				(cfg == nil || aws.ToFloat64(cfg.TargetValue) != 60 || aws.ToInt32(cfg.ScaleInCooldown) != 300 || aws.ToInt32(cfg.ScaleOutCooldown) != 60 ||
					cfg.PredefinedMetricSpecification.PredefinedMetricType != aastypes.MetricTypeECSServiceAverageCPUUtilization) {
				t.Errorf("stored configuration = %+v", cfg)
			}
		})
	}
}

func TestScalingPolicyLifecycleApp(t *testing.T) {
	c := aasOps(t)
	ctx := context.Background()
	put := &aas.PutScalingPolicyInput{PolicyName: aws.String("web-cpu"), ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/web"),
		ScalableDimension: ecsDim, PolicyType: aastypes.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: cpuTracking(50)}
	out, err := c.PutScalingPolicy(ctx, put)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.PolicyARN) != "arn:web-cpu" {
		t.Errorf("an update changed the ARN to %s", aws.ToString(out.PolicyARN))
	}
	pols, err := c.DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/web")})
	if err != nil || len(pols.ScalingPolicies) != 1 || aws.ToFloat64(pols.ScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.TargetValue) != 50 {
		t.Fatalf("after update: %+v, %v", pols, err)
	}
	del := &aas.DeleteScalingPolicyInput{PolicyName: aws.String("web-cpu"), ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/demo/web"), ScalableDimension: ecsDim}
	if _, err := c.DeleteScalingPolicy(ctx, del); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteScalingPolicy(ctx, del); opsErrCode(t, err) != "ObjectNotFoundException" {
		t.Errorf("deleting again: %v, want ObjectNotFoundException", err)
	}
}
