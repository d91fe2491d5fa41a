package motocheck_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
)

func cpuPolicy(resource, name string) *aas.PutScalingPolicyInput {
	return &aas.PutScalingPolicyInput{
		PolicyName: aws.String(name), ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
		PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{
			TargetValue: aws.Float64(60),
			PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{
				PredefinedMetricType: aastypes.MetricTypeECSServiceAverageCPUUtilization,
			},
			ScaleInCooldown: aws.Int32(300), ScaleOutCooldown: aws.Int32(60),
		},
	}
}

func TestApplicationAutoScaling(t *testing.T) {
	p := newPair(t)
	setupECS(t, p) // moto checks that the ECS service exists
	call := func(f func(c context.Context, a *aas.Client) (any, error)) func(context.Context, *clients) (any, error) {
		return func(c context.Context, cl *clients) (any, error) { return f(c, cl.aas) }
	}
	register := func(resource string) func(context.Context, *clients) (any, error) {
		return call(func(c context.Context, a *aas.Client) (any, error) {
			return a.RegisterScalableTarget(c, &aas.RegisterScalableTargetInput{
				ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(resource),
				ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(4),
			})
		})
	}
	run(t, p, []cmpCase{{
		name:  "RegisterScalableTarget",
		call:  register("service/club/backend"),
		known: known{},
	}, {
		name: "RegisterScalableTarget missing service",
		call: register("service/club/nope"),
		fail: &failure{Code: "ValidationException", Status: 400},
	}, {
		name: "DescribeScalableTargets",
		call: call(func(c context.Context, a *aas.Client) (any, error) {
			return a.DescribeScalableTargets(c, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
		}),
		known: known{
			"ScalableTargets[].RoleARN (sim only)":        "moto gap: moto leaves out RoleARN, the service-linked role AWS fills in",
			"ScalableTargets[].SuspendedState (sim only)": "moto gap: moto leaves out SuspendedState (all false)",
		},
	}, {
		name: "PutScalingPolicy ECSServiceAverageCPUUtilization",
		call: call(func(c context.Context, a *aas.Client) (any, error) {
			return a.PutScalingPolicy(c, cpuPolicy("service/club/backend", "backend-cpu"))
		}),
		known: known{},
	}, {
		name: "PutScalingPolicy unregistered target",
		call: call(func(c context.Context, a *aas.Client) (any, error) {
			return a.PutScalingPolicy(c, cpuPolicy("service/club/web", "web-cpu"))
		}),
		fail: &failure{Code: "ObjectNotFoundException", Status: 400},
		gaps: map[string]string{"moto": "moto gap: moto puts a policy on a target that is not registered"},
	}, {
		name: "DescribeScalingPolicies",
		call: call(func(c context.Context, a *aas.Client) (any, error) {
			return a.DescribeScalingPolicies(c, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/club/backend")})
		}),
		known: known{"ScalingPolicies[].TargetTrackingScalingPolicyConfiguration.DisableScaleIn (sim only)": "moto gap: moto leaves out DisableScaleIn (false)"},
		check: func(t *testing.T, m, s any) {
			for _, o := range []*aas.DescribeScalingPoliciesOutput{m.(*aas.DescribeScalingPoliciesOutput), s.(*aas.DescribeScalingPoliciesOutput)} {
				if len(o.ScalingPolicies) != 1 || aws.ToString(o.ScalingPolicies[0].PolicyName) != "backend-cpu" {
					t.Errorf("policies %+v, want backend-cpu", o.ScalingPolicies)
				}
			}
		},
	}, {
		name: "DeleteScalingPolicy",
		call: call(func(c context.Context, a *aas.Client) (any, error) {
			return a.DeleteScalingPolicy(c, &aas.DeleteScalingPolicyInput{
				PolicyName: aws.String("backend-cpu"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
				ResourceId: aws.String("service/club/backend"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
			})
		}),
		known: known{},
	}, {
		name: "DeleteScalingPolicy missing",
		call: call(func(c context.Context, a *aas.Client) (any, error) {
			return a.DeleteScalingPolicy(c, &aas.DeleteScalingPolicyInput{
				PolicyName: aws.String("backend-cpu"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
				ResourceId: aws.String("service/club/backend"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
			})
		}),
		fail: &failure{Code: "ObjectNotFoundException", Status: 400},
		// The API reference: ObjectNotFoundException "for any operation
		// that deletes or deregisters a resource, ... if the resource
		// cannot be found".
		gaps: map[string]string{"moto": "moto gap: moto answers ValidationException for a policy that does not exist"},
	}, {
		name: "DescribeScalingPolicies after delete",
		call: call(func(c context.Context, a *aas.Client) (any, error) {
			return a.DescribeScalingPolicies(c, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String("service/club/backend")})
		}),
		known: known{},
	}})
}
