package motocheck_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

const asgArn = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:5b0e3ff2-4b4d-4a39-9b5d-1f5c0a8e7d6c:autoScalingGroupName/club-asg"

// backendTaskDef and webTaskDef are registered in moto and are the
// simulator world's backend:1 and web:1.
func backendTaskDef() *ecs.RegisterTaskDefinitionInput {
	return &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String("backend"),
		Cpu:                     aws.String("512"),
		Memory:                  aws.String("1024"),
		NetworkMode:             ecstypes.NetworkModeBridge,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityEc2},
		ExecutionRoleArn:        aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name:              aws.String("backend"),
			Image:             aws.String("123456789012.dkr.ecr.us-east-1.amazonaws.com/backend:1.4.2"),
			Cpu:               0,
			Essential:         aws.Bool(true),
			MemoryReservation: aws.Int32(512),
			PortMappings:      []ecstypes.PortMapping{{ContainerPort: aws.Int32(4000), HostPort: aws.Int32(0), Protocol: ecstypes.TransportProtocolTcp}},
			Environment:       []ecstypes.KeyValuePair{{Name: aws.String("NODE_ENV"), Value: aws.String("production")}},
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": "/ecs/backend", "awslogs-region": region, "awslogs-stream-prefix": "ecs",
			}},
		}},
	}
}

func webTaskDef() *ecs.RegisterTaskDefinitionInput {
	return &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String("web"),
		Cpu:                     aws.String("256"),
		Memory:                  aws.String("512"),
		NetworkMode:             ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("web"), Image: aws.String("nginx:1.25"), Essential: aws.Bool(true),
		}},
	}
}

// setupECS creates in moto what the simulator's world holds for ECS.
func setupECS(t *testing.T, p pair) {
	t.Helper()
	c := ctx(t)
	m := p.moto.ecs
	step(t, "CreateCluster")(m.CreateCluster(c, &ecs.CreateClusterInput{ClusterName: aws.String("club")}))
	step(t, "RegisterTaskDefinition backend")(m.RegisterTaskDefinition(c, backendTaskDef()))
	step(t, "RegisterTaskDefinition web")(m.RegisterTaskDefinition(c, webTaskDef()))
	step(t, "CreateService backend")(m.CreateService(c, &ecs.CreateServiceInput{
		Cluster: aws.String("club"), ServiceName: aws.String("backend"), TaskDefinition: aws.String("backend:1"),
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeEc2,
	}))
	step(t, "CreateCapacityProvider")(m.CreateCapacityProvider(c, &ecs.CreateCapacityProviderInput{
		Name: aws.String("club-cp"),
		AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{
			AutoScalingGroupArn: aws.String(asgArn),
			ManagedScaling: &ecstypes.ManagedScaling{Status: ecstypes.ManagedScalingStatusDisabled, TargetCapacity: aws.Int32(100),
				MinimumScalingStepSize: aws.Int32(1), MaximumScalingStepSize: aws.Int32(10000), InstanceWarmupPeriod: aws.Int32(300)},
			ManagedTerminationProtection: ecstypes.ManagedTerminationProtectionDisabled,
		},
	}))
}

// serviceGaps are what moto leaves out of, or adds to, an ECS Service
// that AWS answers with, under prefix ("Services[]" or "Service").
func serviceGaps(prefix string) known {
	return known{
		prefix + ".CreatedAt (sim only)":               "moto gap: moto does not return the service's createdAt",
		prefix + ".CreatedBy (sim only)":               "moto gap: moto does not return createdBy",
		prefix + ".DeploymentConfiguration (sim only)": "moto gap: moto does not return the default deploymentConfiguration (200/100, circuit breaker off) that AWS does",
		prefix + ".Events (sim only)":                  "moto gap: moto records no service events",
		prefix + ".Deployments[].PlatformFamily (moto only)": "moto gap: moto sets platformFamily on an EC2 deployment; " +
			"AWS documents it as specified only for tasks on Fargate",
		prefix + ".NetworkConfiguration (moto only)": "moto gap: moto returns an empty networkConfiguration for a bridge-mode service; AWS leaves it out",
	}
}

// taskDefGaps are what moto leaves out of a TaskDefinition. On register,
// neither moto nor the simulator derives requiresAttributes.
func taskDefGaps(registered bool) known {
	k := known{
		"TaskDefinition.RegisteredAt (sim only)": "moto gap: moto does not record registeredAt",
		"TaskDefinition.RegisteredBy (sim only)": "moto gap: moto does not record registeredBy",
	}
	if !registered {
		k["TaskDefinition.RequiresAttributes (sim only)"] = "moto gap: moto does not derive requiresAttributes"
	}
	return k
}

func TestECS(t *testing.T) {
	p := newPair(t)
	setupECS(t, p)
	ecsCall := func(f func(c context.Context, e *ecs.Client) (any, error)) func(context.Context, *clients) (any, error) {
		return func(c context.Context, cl *clients) (any, error) { return f(c, cl.ecs) }
	}
	badFargate := webTaskDef()
	badFargate.Family = aws.String("web-bad")
	badFargate.Memory = aws.String("4096") // 256 CPU allows 512, 1024 or 2048 MiB
	run(t, p, []cmpCase{{
		name: "RegisterTaskDefinition valid",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			in := webTaskDef()
			in.Family = aws.String("worker")
			return e.RegisterTaskDefinition(c, in)
		}),
		known: taskDefGaps(true),
		check: func(t *testing.T, m, s any) {
			mo, so := m.(*ecs.RegisterTaskDefinitionOutput), s.(*ecs.RegisterTaskDefinitionOutput)
			if mo.TaskDefinition.Revision != so.TaskDefinition.Revision {
				t.Errorf("revision: moto %d, sim %d", mo.TaskDefinition.Revision, so.TaskDefinition.Revision)
			}
		},
	}, {
		name: "RegisterTaskDefinition Fargate 256 CPU 4096 MiB",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) { return e.RegisterTaskDefinition(c, badFargate) }),
		fail: &failure{Code: "ClientException", Status: 400},
		gaps: map[string]string{"moto": "moto gap: moto does not check Fargate cpu/memory pairs"},
	}, {
		name: "DescribeTaskDefinition EC2",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.DescribeTaskDefinition(c, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("backend:1")})
		}),
		known: taskDefGaps(false),
	}, {
		name: "DescribeTaskDefinition Fargate",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.DescribeTaskDefinition(c, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web")})
		}),
		known: taskDefGaps(false),
	}, {
		name: "DescribeTaskDefinition missing",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.DescribeTaskDefinition(c, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("nope:1")})
		}),
		fail: &failure{Code: "ClientException", Status: 400},
	}, {
		name: "DescribeServices existing and missing",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.DescribeServices(c, &ecs.DescribeServicesInput{Cluster: aws.String("club"), Services: []string{"backend", "nope"}})
		}),
		known: serviceGaps("Services[]"),
		check: func(t *testing.T, m, s any) {
			mo, so := m.(*ecs.DescribeServicesOutput), s.(*ecs.DescribeServicesOutput)
			if len(mo.Failures) != 1 || len(so.Failures) != 1 {
				t.Fatalf("failures: moto %d, sim %d, want 1", len(mo.Failures), len(so.Failures))
			}
			if mr, sr := aws.ToString(mo.Failures[0].Reason), aws.ToString(so.Failures[0].Reason); mr != "MISSING" || sr != "MISSING" {
				t.Errorf("failure reason: moto %q, sim %q, want MISSING", mr, sr)
			}
		},
	}, {
		name: "DescribeServices missing cluster",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.DescribeServices(c, &ecs.DescribeServicesInput{Cluster: aws.String("nope"), Services: []string{"backend"}})
		}),
		fail: &failure{Code: "ClusterNotFoundException", Status: 400},
	}, {
		name: "UpdateService desiredCount",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.UpdateService(c, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("backend"), DesiredCount: aws.Int32(2)})
		}),
		known: serviceGaps("Service"),
		check: func(t *testing.T, m, s any) {
			mo, so := m.(*ecs.UpdateServiceOutput), s.(*ecs.UpdateServiceOutput)
			if mo.Service.DesiredCount != 2 || so.Service.DesiredCount != 2 {
				t.Errorf("desiredCount: moto %d, sim %d, want 2", mo.Service.DesiredCount, so.Service.DesiredCount)
			}
		},
	}, {
		name: "RegisterTaskDefinition backend:2",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.RegisterTaskDefinition(c, backendTaskDef())
		}),
		known: taskDefGaps(true),
	}, {
		name: "UpdateService taskDefinition",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.UpdateService(c, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("backend"), TaskDefinition: aws.String("backend:2")})
		}),
		known: serviceGaps("Service"),
		check: func(t *testing.T, m, s any) {
			mo, so := m.(*ecs.UpdateServiceOutput), s.(*ecs.UpdateServiceOutput)
			// moto gap: moto stores taskDefinition as given ("backend:2");
			// AWS answers with the task definition's full ARN.
			if got := aws.ToString(so.Service.TaskDefinition); got != "arn:aws:ecs:us-east-1:123456789012:task-definition/backend:2" {
				t.Errorf("sim: taskDefinition %q, want backend:2's ARN", got)
			}
			if got := aws.ToString(mo.Service.TaskDefinition); !strings.HasSuffix(got, "backend:2") {
				t.Errorf("moto: taskDefinition %q, want backend:2", got)
			}
			// moto gap: moto replaces the deployment; AWS keeps the old one
			// as ACTIVE next to the new PRIMARY until the new one is done.
			if len(so.Service.Deployments) != 2 {
				t.Errorf("sim: %d deployments, want the new PRIMARY and the old ACTIVE", len(so.Service.Deployments))
			}
		},
	}, {
		name: "UpdateService missing service",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.UpdateService(c, &ecs.UpdateServiceInput{Cluster: aws.String("club"), Service: aws.String("nope"), DesiredCount: aws.Int32(1)})
		}),
		fail: &failure{Code: "ServiceNotFoundException", Status: 400},
	}, {
		name: "DescribeCapacityProviders",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.DescribeCapacityProviders(c, &ecs.DescribeCapacityProvidersInput{CapacityProviders: []string{"club-cp"}})
		}),
		known: known{"CapacityProviders[].AutoScalingGroupProvider.ManagedDraining (sim only)": "moto gap: moto does not return managedDraining (AWS defaults it to ENABLED)"},
	}, {
		name: "UpdateCapacityProvider",
		call: ecsCall(func(c context.Context, e *ecs.Client) (any, error) {
			return e.UpdateCapacityProvider(c, &ecs.UpdateCapacityProviderInput{
				Name: aws.String("club-cp"),
				AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProviderUpdate{
					ManagedScaling: &ecstypes.ManagedScaling{Status: ecstypes.ManagedScalingStatusEnabled, TargetCapacity: aws.Int32(90)},
				},
			})
		}),
		known: known{"CapacityProvider.AutoScalingGroupProvider.ManagedDraining (sim only)": "moto gap: moto does not return managedDraining (AWS defaults it to ENABLED)"},
		check: func(t *testing.T, m, s any) {
			mo, so := m.(*ecs.UpdateCapacityProviderOutput), s.(*ecs.UpdateCapacityProviderOutput)
			for _, o := range []*ecs.UpdateCapacityProviderOutput{mo, so} {
				ms := o.CapacityProvider.AutoScalingGroupProvider.ManagedScaling
				if ms.Status != ecstypes.ManagedScalingStatusEnabled || aws.ToInt32(ms.TargetCapacity) != 90 {
					t.Errorf("managedScaling %+v, want ENABLED at 90", *ms)
				}
			}
		},
	}})
}
