package motocheck_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	ecsaws "github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/internal/mototest"
)

// TestWritersAccepted runs ecsmedic's own writers (package aws), the ones
// guarded changes will use, against moto and the simulator alike, and
// reads each change back: an implementation nobody here wrote must accept
// every request ecsmedic sends. A dry run first must change nothing.
func TestWritersAccepted(t *testing.T) {
	p := newPair(t)
	setupECS(t, p)
	setupELB(t, p, mototest.URL(t))
	setupASG(t, p)
	for _, side := range p.both() {
		t.Run(side.name, func(t *testing.T) {
			c := ctx(t)
			w := ecsaws.NewClientsForEndpoint(side.url, region, ecsaws.WithCloudWatchProtocol("query"), ecsaws.WithMaxAttempts(1))
			t.Cleanup(w.CloseIdleConnections)

			// scale backend cpu 1024: a faithful copy with only cpu changed.
			td, err := side.ecs.DescribeTaskDefinition(c, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("backend:1")})
			if err != nil {
				t.Fatal(err)
			}
			in := ecsaws.CopyForRegister(*td.TaskDefinition, td.Tags)
			in.Cpu = aws.String("1024")
			for _, dry := range []bool{true, false} {
				out, err := w.RegisterTaskDefinition(c, in, dry)
				if err != nil {
					t.Fatalf("RegisterTaskDefinition (dry run %v): %v", dry, err)
				}
				if dry {
					if out != nil {
						t.Fatal("a dry run answered as if it had registered")
					}
					continue
				}
				if got := aws.ToString(out.TaskDefinition.Cpu); got != "1024" || out.TaskDefinition.Revision != 2 {
					t.Errorf("registered cpu %s revision %d, want 1024 and 2", got, out.TaskDefinition.Revision)
				}
			}
			mustWrite(t, "UpdateService")(w.UpdateService(c, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("backend"), TaskDefinition: aws.String("backend:2")}, false))
			svc, err := side.ecs.DescribeServices(c, &ecs.DescribeServicesInput{Cluster: aws.String("club"), Services: []string{"backend"}})
			if err != nil || len(svc.Services) != 1 || !strings.HasSuffix(aws.ToString(svc.Services[0].TaskDefinition), "backend:2") {
				t.Errorf("service after UpdateService: %v %v", err, svc)
			}

			// healthcheck backend timeout 10
			mustWrite(t, "ModifyTargetGroup")(w.ModifyTargetGroup(c, &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String(side.tg), HealthCheckTimeoutSeconds: aws.Int32(10)}, false))
			tgs, err := side.elb.DescribeTargetGroups(c, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{side.tg}})
			if err != nil || aws.ToInt32(tgs.TargetGroups[0].HealthCheckTimeoutSeconds) != 10 {
				t.Errorf("target group after ModifyTargetGroup: %v", err)
			}

			// reservation on, plain Auto Scaling group form.
			mustWrite(t, "PutScalingPolicy (EC2 Auto Scaling)")(w.PutAutoScalingPolicy(c, cpuReservationPolicy("club-asg", "ecsmedic-cpu-reservation"), false))
			pols, err := side.asg.DescribePolicies(c, &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("club-asg")})
			if err != nil || len(pols.ScalingPolicies) != 1 {
				t.Errorf("policies after PutScalingPolicy: %v %d", err, len(pols.ScalingPolicies))
			}
			mustWrite(t, "DeletePolicy")(w.DeleteAutoScalingPolicy(c, &autoscaling.DeletePolicyInput{AutoScalingGroupName: aws.String("club-asg"), PolicyName: aws.String("ecsmedic-cpu-reservation")}, false))

			// reservation on, capacity-provider form.
			mustWrite(t, "UpdateCapacityProvider")(w.UpdateCapacityProvider(c, &ecs.UpdateCapacityProviderInput{Name: aws.String("club-cp"),
				AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProviderUpdate{ManagedScaling: &ecstypes.ManagedScaling{
					Status: ecstypes.ManagedScalingStatusEnabled, TargetCapacity: aws.Int32(90)}}}, false))
			cps, err := side.ecs.DescribeCapacityProviders(c, &ecs.DescribeCapacityProvidersInput{CapacityProviders: []string{"club-cp"}})
			if err != nil || len(cps.CapacityProviders) != 1 || cps.CapacityProviders[0].AutoScalingGroupProvider.ManagedScaling.Status != ecstypes.ManagedScalingStatusEnabled {
				t.Errorf("capacity provider after UpdateCapacityProvider: %v", err)
			}

			// autoscale backend on … / off
			resource := "service/club/backend"
			mustWrite(t, "RegisterScalableTarget")(w.RegisterScalableTarget(c, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
				ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(4)}, false))
			mustWrite(t, "PutScalingPolicy (Application Auto Scaling)")(w.PutServiceScalingPolicy(c, cpuPolicy(resource, "ecsmedic-cpu"), false))
			sp, err := side.aas.DescribeScalingPolicies(c, &aas.DescribeScalingPoliciesInput{ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(resource)})
			if err != nil || len(sp.ScalingPolicies) != 1 {
				t.Errorf("service scaling policies: %v", err)
			}
			mustWrite(t, "DeleteScalingPolicy")(w.DeleteServiceScalingPolicy(c, &aas.DeleteScalingPolicyInput{PolicyName: aws.String("ecsmedic-cpu"), ServiceNamespace: aastypes.ServiceNamespaceEcs,
				ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount}, false))
			mustWrite(t, "DeregisterScalableTarget")(w.DeregisterScalableTarget(c, &aas.DeregisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
				ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount}, false))
		})
	}
}

func mustWrite(t *testing.T, what string) func(any, error) {
	t.Helper()
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
}
