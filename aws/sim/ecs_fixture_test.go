package sim

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

// The club's world in small: one EC2 cluster with one container instance,
// a load-balanced backend (one task running) and a Fargate web service.

var ecsNow = time.Date(2024, 4, 17, 4, 40, 0, 0, time.UTC)

const (
	tArn     = "arn:aws:ecs:ap-northeast-2:111122223333:"
	tCluster = tArn + "cluster/club"
	tCI      = tArn + "container-instance/club/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	tOldTask = tArn + "task/club/5e1f6c3a9b8d4e7fa0c2d1b3e4f5a6b7"
	tTG      = "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/api/0123456789abcdef"
)

func ecsTestWorld() *world.World {
	res := func(cpu, mem int64) []any {
		return []any{
			map[string]any{"name": "CPU", "type": "INTEGER", "integerValue": cpu},
			map[string]any{"name": "MEMORY", "type": "INTEGER", "integerValue": mem},
		}
	}
	return &world.World{
		Version: 1, Now: ecsNow, Region: "ap-northeast-2", AccountID: "111122223333",
		Clusters: []world.Object{{
			"clusterName": "club", "clusterArn": tCluster, "status": "ACTIVE",
			"runningTasksCount": int64(1), "activeServicesCount": int64(2),
			"registeredContainerInstancesCount": int64(1), "capacityProviders": []any{"club-cp"},
		}},
		Services: []world.Object{{
			"serviceName": "backend", "serviceArn": tArn + "service/club/backend", "clusterArn": tCluster,
			"status": "ACTIVE", "taskDefinition": tArn + "task-definition/backend:1",
			"desiredCount": int64(1), "runningCount": int64(1), "pendingCount": int64(0), "launchType": "EC2",
			"healthCheckGracePeriodSeconds": int64(0), "schedulingStrategy": "REPLICA",
			"loadBalancers": []any{map[string]any{"targetGroupArn": tTG, "containerName": "backend", "containerPort": int64(4000)}},
			"deployments": []any{map[string]any{
				"id": "ecs-svc/1111111111111111111", "status": "PRIMARY", "taskDefinition": tArn + "task-definition/backend:1",
				"desiredCount": int64(1), "runningCount": int64(1), "pendingCount": int64(0), "failedTasks": int64(0),
				"createdAt": ecsNow.Add(-48 * time.Hour), "updatedAt": ecsNow.Add(-47 * time.Hour),
				"launchType": "EC2", "rolloutState": "COMPLETED", "rolloutStateReason": "ECS deployment ecs-svc/1111111111111111111 completed.",
			}},
			"events":  []any{map[string]any{"id": "e1", "createdAt": ecsNow.Add(-47 * time.Hour), "message": "(service backend) has reached a steady state."}},
			"tags":    []any{map[string]any{"key": "team", "value": "club"}},
			"xFuture": "kept verbatim",
		}, {
			"serviceName": "web", "serviceArn": tArn + "service/club/web", "clusterArn": tCluster,
			"status": "ACTIVE", "taskDefinition": tArn + "task-definition/web:4",
			"desiredCount": int64(1), "runningCount": int64(0), "pendingCount": int64(0), "launchType": "FARGATE",
			"networkConfiguration": map[string]any{"awsvpcConfiguration": map[string]any{"subnets": []any{"subnet-0abc"}, "assignPublicIp": "ENABLED"}},
		}},
		TaskDefinitions: []world.Object{{
			"taskDefinitionArn": tArn + "task-definition/backend:1", "family": "backend", "revision": int64(1),
			"status": "ACTIVE", "cpu": "512", "memory": "1024", "networkMode": "bridge",
			"requiresCompatibilities": []any{"EC2"}, "compatibilities": []any{"EXTERNAL", "EC2"},
			"executionRoleArn": "arn:aws:iam::111122223333:role/ecsTaskExecutionRole",
			"containerDefinitions": []any{map[string]any{
				"name": "backend", "image": "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/backend:1.4.2",
				"cpu": int64(0), "essential": true, "memoryReservation": int64(512),
				"portMappings": []any{map[string]any{"containerPort": int64(4000), "hostPort": int64(0), "protocol": "tcp"}},
				"environment":  []any{map[string]any{"name": "NODE_ENV", "value": "production"}},
				"mountPoints":  []any{}, "volumesFrom": []any{},
				"healthCheck":      map[string]any{"command": []any{"CMD-SHELL", "curl -f localhost:4000/health"}, "interval": int64(30), "timeout": int64(5), "retries": int64(3)},
				"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]any{"awslogs-group": "/ecs/backend", "awslogs-region": "ap-northeast-2", "awslogs-stream-prefix": "ecs"}},
				"stopTimeout":      int64(30),
			}},
			"volumes": []any{}, "placementConstraints": []any{},
			"registeredAt": ecsNow.Add(-72 * time.Hour), "registeredBy": "arn:aws:iam::111122223333:root",
			"tags": []any{map[string]any{"key": "team", "value": "club"}},
		}, {
			"taskDefinitionArn": tArn + "task-definition/web:4", "family": "web", "revision": int64(4),
			"status": "ACTIVE", "cpu": "256", "memory": "512", "networkMode": "awsvpc",
			"requiresCompatibilities": []any{"FARGATE"}, "compatibilities": []any{"EC2", "FARGATE"},
			"containerDefinitions": []any{map[string]any{"name": "web", "image": "nginx:1.25", "essential": true}},
		}},
		Tasks: []world.Object{{
			"taskArn": tOldTask, "clusterArn": tCluster, "taskDefinitionArn": tArn + "task-definition/backend:1",
			"containerInstanceArn": tCI, "group": "service:backend", "startedBy": "ecs-svc/1111111111111111111",
			"lastStatus": "RUNNING", "desiredStatus": "RUNNING", "launchType": "EC2", "cpu": "512", "memory": "1024",
			"startedAt":  ecsNow.Add(-47 * time.Hour),
			"containers": []any{map[string]any{"name": "backend", "lastStatus": "RUNNING"}},
			"tags":       []any{map[string]any{"key": "team", "value": "club"}},
		}},
		ContainerInstances: []world.Object{{
			"containerInstanceArn": tCI, "ec2InstanceId": "i-0abc", "status": "ACTIVE", "agentConnected": true,
			"clusterArn": tCluster, "runningTasksCount": int64(1), "capacityProviderName": "club-cp",
			"registeredResources": res(2048, 3904), "remainingResources": res(1536, 2880),
			"attributes": []any{map[string]any{"name": "ecs.availability-zone", "value": "ap-northeast-2a"}},
		}},
		CapacityProviders: []world.Object{{
			"capacityProviderArn": tArn + "capacity-provider/club-cp", "name": "club-cp", "status": "ACTIVE",
			"autoScalingGroupProvider": map[string]any{
				"autoScalingGroupArn": "arn:aws:autoscaling:ap-northeast-2:111122223333:autoScalingGroup:x:autoScalingGroupName/club-asg",
				"managedScaling": map[string]any{"status": "DISABLED", "targetCapacity": int64(100),
					"minimumScalingStepSize": int64(1), "maximumScalingStepSize": int64(10000), "instanceWarmupPeriod": int64(300)},
				"managedTerminationProtection": "DISABLED",
			},
			"tags": []any{},
		}},
	}
}

// ecsSim serves the test world, frozen, on loopback.
func ecsSim(t *testing.T, w *world.World) (*Server, *ecs.Client) {
	t.Helper()
	s := New(w, Options{Freeze: true})
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c := ecs.NewFromConfig(aws.Config{
		Region:           "ap-northeast-2",
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
	}, func(o *ecs.Options) { o.BaseEndpoint = aws.String(url) })
	return s, c
}

// apiErr returns the code and message of an AWS error ("" when err is nil).
func apiErr(err error) (string, string) {
	if err == nil {
		return "", ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "not an API error", err.Error()
}

var (
	hexID = regexp.MustCompile(`[0-9a-f]{32}`)
	depID = regexp.MustCompile(`ecs-svc/\d{19}`)
)

// masked replaces the ids the simulator made up (not the fixture's own)
// so tests can compare messages.
func masked(s string) string {
	keep := func(repl string) func(string) string {
		return func(id string) string {
			if id == "0f1e2d3c4b5a69788796a5b4c3d2e1f0" || id == "5e1f6c3a9b8d4e7fa0c2d1b3e4f5a6b7" || id == "ecs-svc/1111111111111111111" {
				return id
			}
			return repl
		}
	}
	return depID.ReplaceAllStringFunc(hexID.ReplaceAllStringFunc(s, keep("ID")), keep("ecs-svc/DEP"))
}

var bg = context.Background()
