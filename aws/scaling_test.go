package aws

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestReservationScaling pins the one rule, above all where the three rules
// it replaced disagreed: why's (any policy of the account, no cluster
// check), the summary's (the cluster's groups, no cluster check) and the
// change planner's (any enabled policy for placement, only target tracking
// on CPUReservation for `reservation on|off`).
func TestReservationScaling(t *testing.T) {
	const asgARN = "arn:aws:autoscaling:ap-northeast-2:111122223333:autoScalingGroup:1:autoScalingGroupName/club-asg"
	group := func(max, desired int32) asgtypes.AutoScalingGroup {
		return asgtypes.AutoScalingGroup{AutoScalingGroupName: aws.String("club-asg"), AutoScalingGroupARN: aws.String(asgARN),
			MaxSize: aws.Int32(max), DesiredCapacity: aws.Int32(desired), Instances: []asgtypes.Instance{{InstanceId: aws.String("i-1")}}}
	}
	other := asgtypes.AutoScalingGroup{AutoScalingGroupName: aws.String("other-asg"), MaxSize: aws.Int32(4), DesiredCapacity: aws.Int32(1),
		Instances: []asgtypes.Instance{{InstanceId: aws.String("i-9")}}}
	host := []ecstypes.ContainerInstance{{Ec2InstanceId: aws.String("i-1")}}
	provider := func(status ecstypes.ManagedScalingStatus) ecstypes.CapacityProvider {
		return ecstypes.CapacityProvider{Name: aws.String("club-cp"), AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{
			AutoScalingGroupArn: aws.String(asgARN), ManagedScaling: &ecstypes.ManagedScaling{Status: status}}}
	}
	dims := func(cluster string) []asgtypes.MetricDimension {
		if cluster == "" {
			return nil
		}
		return []asgtypes.MetricDimension{{Name: aws.String("ClusterName"), Value: aws.String(cluster)}}
	}
	tracking := func(groupName, metric, cluster string, enabled *bool) asgtypes.ScalingPolicy {
		return asgtypes.ScalingPolicy{AutoScalingGroupName: aws.String(groupName), PolicyName: aws.String("tt"), PolicyType: aws.String("TargetTrackingScaling"),
			Enabled: enabled, TargetTrackingConfiguration: &asgtypes.TargetTrackingConfiguration{TargetValue: aws.Float64(75),
				CustomizedMetricSpecification: &asgtypes.CustomizedMetricSpecification{Namespace: aws.String("AWS/ECS"), MetricName: aws.String(metric), Dimensions: dims(cluster)}}}
	}
	on, off := aws.Bool(true), aws.Bool(false)
	tests := []struct {
		name          string
		c             Capacity
		on, canGrow   bool
		policyOnGroup bool // the group has a reservation policy (`reservation on|off` manages it)
	}{
		{name: "managed scaling ENABLED",
			c:  Capacity{Instances: host, Providers: []ecstypes.CapacityProvider{provider(ecstypes.ManagedScalingStatusEnabled)}, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}},
			on: true, canGrow: true},
		{name: "managed scaling DISABLED, no policy",
			c: Capacity{Instances: host, Providers: []ecstypes.CapacityProvider{provider(ecstypes.ManagedScalingStatusDisabled)}, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}}},
		{name: "managed scaling DISABLED, but the group has its own CPUReservation policy (planner said: cannot add)",
			c: Capacity{Instances: host, Providers: []ecstypes.CapacityProvider{provider(ecstypes.ManagedScalingStatusDisabled)}, Groups: []asgtypes.AutoScalingGroup{group(4, 1)},
				Policies: []asgtypes.ScalingPolicy{tracking("club-asg", "CPUReservation", "club", on)}},
			on: true, canGrow: true, policyOnGroup: true},
		{name: "managed scaling ENABLED, its group not in the snapshot: ECS will try",
			c:  Capacity{Providers: []ecstypes.CapacityProvider{provider(ecstypes.ManagedScalingStatusEnabled)}},
			on: true, canGrow: true},
		{name: "target tracking on CPUReservation",
			c:  Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}, Policies: []asgtypes.ScalingPolicy{tracking("club-asg", "CPUReservation", "club", on)}},
			on: true, canGrow: true, policyOnGroup: true},
		{name: "Enabled unset is AWS's default: on",
			c:  Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}, Policies: []asgtypes.ScalingPolicy{tracking("club-asg", "CPUReservation", "club", nil)}},
			on: true, canGrow: true, policyOnGroup: true},
		{name: "the policy is there but disabled",
			c:             Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}, Policies: []asgtypes.ScalingPolicy{tracking("club-asg", "CPUReservation", "club", off)}},
			policyOnGroup: true},
		{name: "target tracking on MemoryReservation (planner found no policy)",
			c:  Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}, Policies: []asgtypes.ScalingPolicy{tracking("club-asg", "MemoryReservation", "club", on)}},
			on: true, canGrow: true, policyOnGroup: true},
		{name: "step scaling on a reservation alarm (planner found no policy)",
			c: Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}, Policies: []asgtypes.ScalingPolicy{{
				AutoScalingGroupName: aws.String("club-asg"), PolicyName: aws.String("scale-out"), PolicyType: aws.String("StepScaling"), Enabled: on,
				Alarms: []asgtypes.Alarm{{AlarmName: aws.String("club-MemoryReservation-high")}}}}},
			on: true, canGrow: true, policyOnGroup: true},
		{name: "step scaling on some other alarm",
			c: Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}, Policies: []asgtypes.ScalingPolicy{{
				AutoScalingGroupName: aws.String("club-asg"), PolicyName: aws.String("scale-out"), PolicyType: aws.String("StepScaling"), Enabled: on,
				Alarms: []asgtypes.Alarm{{AlarmName: aws.String("club-cpu-high")}}}}}},
		{name: "predefined ASGAverageCPUUtilization (planner said: can add)",
			c: Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}, Policies: []asgtypes.ScalingPolicy{{
				AutoScalingGroupName: aws.String("club-asg"), PolicyName: aws.String("cpu-reservation-ish"), Enabled: on,
				TargetTrackingConfiguration: &asgtypes.TargetTrackingConfiguration{PredefinedMetricSpecification: &asgtypes.PredefinedMetricSpecification{
					PredefinedMetricType: asgtypes.MetricTypeASGAverageCPUUtilization}}}}}},
		{name: "metric math over CPUReservation (planner found no policy)",
			c: Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}, Policies: []asgtypes.ScalingPolicy{{
				AutoScalingGroupName: aws.String("club-asg"), PolicyName: aws.String("math"), Enabled: on,
				TargetTrackingConfiguration: &asgtypes.TargetTrackingConfiguration{CustomizedMetricSpecification: &asgtypes.CustomizedMetricSpecification{
					Metrics: []asgtypes.TargetTrackingMetricDataQuery{{Id: aws.String("m1"), MetricStat: &asgtypes.TargetTrackingMetricStat{
						Metric: &asgtypes.Metric{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUReservation"), Dimensions: dims("club")}}}}}}}}},
			on: true, canGrow: true, policyOnGroup: true},
		{name: "CPUReservation of another cluster (why and summary said: on)",
			c: Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}, Policies: []asgtypes.ScalingPolicy{tracking("club-asg", "CPUReservation", "other", on)}}},
		{name: "CPUReservation without the ClusterName dimension has no data (why and summary said: on)",
			c: Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1)}, Policies: []asgtypes.ScalingPolicy{tracking("club-asg", "CPUReservation", "", on)}}},
		{name: "the policy is on another cluster's group (why said: on)",
			c: Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(4, 1), other}, Policies: []asgtypes.ScalingPolicy{tracking("other-asg", "CPUReservation", "club", on)}}},
		{name: "on, but the group is at its maximum (why said: scaling is fine)",
			c:  Capacity{Instances: host, Groups: []asgtypes.AutoScalingGroup{group(2, 2)}, Policies: []asgtypes.ScalingPolicy{tracking("club-asg", "CPUReservation", "club", on)}},
			on: true, policyOnGroup: true},
		{name: "no host yet: the group named after the cluster (summary said: no group)",
			c: Capacity{Groups: []asgtypes.AutoScalingGroup{{AutoScalingGroupName: aws.String("club-asg"), MaxSize: aws.Int32(3), DesiredCapacity: aws.Int32(0)}},
				Policies: []asgtypes.ScalingPolicy{tracking("club-asg", "CPUReservation", "club", on)}},
			on: true, canGrow: true, policyOnGroup: true},
		{name: "Fargate only", c: Capacity{Providers: []ecstypes.CapacityProvider{{Name: aws.String("FARGATE")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Cluster = "club"
			s := ReservationScaling(tt.c)
			if s.On() != tt.on || s.CanGrow() != tt.canGrow {
				t.Errorf("On, CanGrow = %v, %v; want %v, %v", s.On(), s.CanGrow(), tt.on, tt.canGrow)
			}
			if got := s.Policy("club-asg") != nil; got != tt.policyOnGroup {
				t.Errorf("Policy(club-asg) found = %v, want %v", got, tt.policyOnGroup)
			}
		})
	}
}
