package motocheck_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// setupASG creates in moto the world's Auto Scaling group club-asg, from
// a launch configuration (moto needs one, and it needs no EC2 client).
func setupASG(t *testing.T, p pair) {
	t.Helper()
	c := ctx(t)
	step(t, "CreateLaunchConfiguration")(p.moto.asg.CreateLaunchConfiguration(c, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String("club-lc"), ImageId: aws.String("ami-12c6146b"), InstanceType: aws.String("t3.medium"),
	}))
	step(t, "CreateAutoScalingGroup")(p.moto.asg.CreateAutoScalingGroup(c, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("club-asg"), LaunchConfigurationName: aws.String("club-lc"),
		MinSize: aws.Int32(0), MaxSize: aws.Int32(2), DesiredCapacity: aws.Int32(0), AvailabilityZones: []string{"us-east-1a"},
	}))
}

// cpuReservationPolicy is the target-tracking policy ecsmedic suggests for
// an EC2 capacity ASG: keep the cluster's CPUReservation at 70%.
func cpuReservationPolicy(group, name string) *autoscaling.PutScalingPolicyInput {
	return &autoscaling.PutScalingPolicyInput{
		AutoScalingGroupName: aws.String(group),
		PolicyName:           aws.String(name),
		PolicyType:           aws.String("TargetTrackingScaling"),
		TargetTrackingConfiguration: &asgtypes.TargetTrackingConfiguration{
			TargetValue: aws.Float64(70),
			CustomizedMetricSpecification: &asgtypes.CustomizedMetricSpecification{
				MetricName: aws.String("CPUReservation"), Namespace: aws.String("AWS/ECS"),
				Dimensions: []asgtypes.MetricDimension{{Name: aws.String("ClusterName"), Value: aws.String("club")}},
				Statistic:  asgtypes.MetricStatisticAverage,
			},
		},
	}
}

func TestAutoScaling(t *testing.T) {
	p := newPair(t)
	setupASG(t, p)
	call := func(f func(c context.Context, a *autoscaling.Client) (any, error)) func(context.Context, *clients) (any, error) {
		return func(c context.Context, cl *clients) (any, error) { return f(c, cl.asg) }
	}
	run(t, p, []cmpCase{{
		name: "DescribeAutoScalingGroups",
		call: call(func(c context.Context, a *autoscaling.Client) (any, error) {
			return a.DescribeAutoScalingGroups(c, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"club-asg"}})
		}),
		known: known{},
	}, {
		name: "PutScalingPolicy target tracking on CPUReservation",
		call: call(func(c context.Context, a *autoscaling.Client) (any, error) {
			return a.PutScalingPolicy(c, cpuReservationPolicy("club-asg", "club-cpureservation"))
		}),
		known: known{
			// AWS answers PolicyARN and the two alarms target tracking made.
			"PolicyARN (sim only)": "moto gap: moto answers <PolicyArn>, not the model's <PolicyARN>, so the SDK reads no ARN",
			"Alarms (sim only)":    "moto gap: moto creates no CloudWatch alarms for a target-tracking policy",
		},
	}, {
		name: "PutScalingPolicy missing group",
		call: call(func(c context.Context, a *autoscaling.Client) (any, error) {
			// Another name: moto keys policies by name alone.
			return a.PutScalingPolicy(c, cpuReservationPolicy("nope", "ghost"))
		}),
		fail: &failure{Code: "ValidationError", Status: 400},
		gaps: map[string]string{"moto": "moto gap: moto puts a policy on a group that does not exist"},
	}, {
		name: "DescribePolicies",
		call: call(func(c context.Context, a *autoscaling.Client) (any, error) {
			return a.DescribePolicies(c, &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("club-asg")})
		}),
		known: known{
			"ScalingPolicies[].Alarms (sim only)":                                     "moto gap: moto creates no alarms for a target-tracking policy",
			"ScalingPolicies[].Enabled (sim only)":                                    "moto gap: moto leaves out Enabled (true)",
			"ScalingPolicies[].TargetTrackingConfiguration.DisableScaleIn (sim only)": "moto gap: moto leaves out DisableScaleIn (false)",
			"ScalingPolicies[].PredictiveScalingConfiguration (moto only)":            "moto gap: moto answers an empty PredictiveScalingConfiguration for a target-tracking policy",
		},
		check: func(t *testing.T, m, s any) {
			for _, o := range []*autoscaling.DescribePoliciesOutput{m.(*autoscaling.DescribePoliciesOutput), s.(*autoscaling.DescribePoliciesOutput)} {
				if len(o.ScalingPolicies) != 1 || aws.ToString(o.ScalingPolicies[0].TargetTrackingConfiguration.CustomizedMetricSpecification.MetricName) != "CPUReservation" {
					t.Errorf("policies %+v, want the CPUReservation policy", o.ScalingPolicies)
				}
			}
		},
	}, {
		name: "DeletePolicy",
		call: call(func(c context.Context, a *autoscaling.Client) (any, error) {
			return a.DeletePolicy(c, &autoscaling.DeletePolicyInput{AutoScalingGroupName: aws.String("club-asg"), PolicyName: aws.String("club-cpureservation")})
		}),
		known: known{},
	}, {
		name: "DescribePolicies after DeletePolicy",
		call: call(func(c context.Context, a *autoscaling.Client) (any, error) {
			return a.DescribePolicies(c, &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("club-asg")})
		}),
		known: known{},
		check: func(t *testing.T, m, s any) {
			for _, o := range []*autoscaling.DescribePoliciesOutput{m.(*autoscaling.DescribePoliciesOutput), s.(*autoscaling.DescribePoliciesOutput)} {
				if len(o.ScalingPolicies) != 0 {
					t.Errorf("policies %+v after DeletePolicy, want none", o.ScalingPolicies)
				}
			}
		},
	}})
}
