package diagnose

import (
	"time"

	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsmedic/ecsmedic/aws"
)

// The backend-137 incident, built in Go: the club's backend on an EC2
// cluster, CPU-starved at 99 % of its 512 units while the hosts showed
// ~60 %, stopped after failing ALB health checks, killed 32 s after SIGTERM.

var (
	kst     = time.FixedZone("KST", 9*3600)
	now     = time.Date(2024, 4, 17, 13, 40, 0, 0, kst)
	stopAt  = time.Date(2024, 4, 17, 13, 34, 3, 0, kst)
	stopgAt = time.Date(2024, 4, 17, 13, 33, 31, 0, kst)
)

const (
	clusterArn = "arn:aws:ecs:ap-northeast-2:111122223333:cluster/codedang"
	tgArn      = "arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/backend/0123456789abcdef"
	tdArn7     = "arn:aws:ecs:ap-northeast-2:111122223333:task-definition/backend:7"
	tdArn6     = "arn:aws:ecs:ap-northeast-2:111122223333:task-definition/backend:6"
	deadID     = "5e1f6c3a9b8d4e7fa0c2d1b3e4f5a6b7"
	liveID     = "9d1c0b7e2f3a4b5c8d9e0f1a2b3c4d5e"
	elbReason  = "Task failed ELB health checks in (target-group " + tgArn + ")"
)

func ptr[T any](v T) *T { return &v }

func arn(id string) string {
	return "arn:aws:ecs:ap-northeast-2:111122223333:task/codedang/" + id
}

func at(hhmmss string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", "2024-04-17 "+hhmmss, kst)
	if err != nil {
		panic(err)
	}
	return t
}

func ev(hhmmss, msg string) ecstypes.ServiceEvent {
	return ecstypes.ServiceEvent{CreatedAt: ptr(at(hhmmss)), Message: ptr(msg), Id: ptr("e-" + hhmmss)}
}

// run is a one-point-a-minute series from start.
func run(ns, name string, start time.Time, vals ...float64) aws.Series {
	s := aws.Series{Namespace: ns, MetricName: name, Stat: "Maximum", Period: 60}
	for i, v := range vals {
		s.Points = append(s.Points, aws.Sample{T: start.Add(time.Duration(i) * time.Minute), V: v})
	}
	return s
}

func flat(ns, name string, start time.Time, n int, v float64) aws.Series {
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = v
	}
	return run(ns, name, start, vals...)
}

func container(name string, exit *int32, reason string) ecstypes.Container {
	c := ecstypes.Container{Name: ptr(name), ExitCode: exit, LastStatus: ptr("STOPPED")}
	if reason != "" {
		c.Reason = ptr(reason)
	}
	return c
}

// stoppedTask is the incident's dead task; tests change what they study.
func stoppedTask() ecstypes.Task {
	return ecstypes.Task{
		TaskArn:           ptr(arn(deadID)),
		ClusterArn:        ptr(clusterArn),
		TaskDefinitionArn: ptr(tdArn7),
		Group:             ptr("service:backend"),
		LastStatus:        ptr("STOPPED"),
		DesiredStatus:     ptr("STOPPED"),
		Cpu:               ptr("512"),
		Memory:            ptr("1024"),
		CreatedAt:         ptr(at("09:01:40")),
		StartedAt:         ptr(at("09:02:11")),
		StoppingAt:        ptr(stopgAt),
		StoppedAt:         ptr(stopAt),
		StopCode:          "ServiceSchedulerInitiated",
		StoppedReason:     ptr(elbReason),
		Containers:        []ecstypes.Container{container("backend", ptr(int32(137)), "")},
	}
}

func taskDef(arn string, rev int32) ecstypes.TaskDefinition {
	return ecstypes.TaskDefinition{
		TaskDefinitionArn: ptr(arn),
		Family:            ptr("backend"),
		Revision:          rev,
		Cpu:               ptr("512"),
		Memory:            ptr("1024"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: ptr("backend"), Image: ptr("backend:1.4.2"), Essential: ptr(true)},
		},
	}
}

// club is the whole incident snapshot.
func club() *aws.ServiceSnapshot {
	td := taskDef(tdArn7, 7)
	cpuStart := at("13:20:00")
	return &aws.ServiceSnapshot{
		Now:    now,
		Region: "ap-northeast-2",
		Cluster: ecstypes.Cluster{ClusterName: ptr("codedang"), ClusterArn: ptr(clusterArn),
			RegisteredContainerInstancesCount: 1},
		Service: ecstypes.Service{
			ServiceName:                   ptr("backend"),
			ClusterArn:                    ptr(clusterArn),
			TaskDefinition:                ptr(tdArn7),
			DesiredCount:                  1,
			RunningCount:                  1,
			LaunchType:                    "EC2",
			HealthCheckGracePeriodSeconds: ptr(int32(0)),
			Deployments: []ecstypes.Deployment{{Id: ptr("ecs-svc/1111"), Status: ptr("PRIMARY"), TaskDefinition: ptr(tdArn7),
				RolloutState: "COMPLETED", CreatedAt: ptr(at("09:00:00")), UpdatedAt: ptr(at("09:05:00")), DesiredCount: 1, RunningCount: 1}},
			Events: []ecstypes.ServiceEvent{
				ev("13:34:40", "(service backend) has started 1 tasks: (task "+liveID+")."),
				ev("13:34:05", "(service backend) has stopped 1 running tasks: (task "+deadID+")."),
				ev("13:33:05", "(service backend) (port 4000) is unhealthy in (target-group "+tgArn+") due to (reason Request timed out)."),
				ev("09:06:00", "(service backend) has reached a steady state."),
			},
		},
		TaskDefinition:  td,
		TaskDefinitions: map[string]ecstypes.TaskDefinition{tdArn7: td},
		Running: []ecstypes.Task{{TaskArn: ptr(arn(liveID)), TaskDefinitionArn: ptr(tdArn7), LastStatus: ptr("RUNNING"),
			StartedAt: ptr(at("13:34:50"))}},
		Stopped:            []ecstypes.Task{stoppedTask()},
		ContainerInstances: []ecstypes.ContainerInstance{{ContainerInstanceArn: ptr("arn:ci/1"), Ec2InstanceId: ptr("i-0abc")}},
		TargetGroups: []aws.TargetGroup{{Group: elbtypes.TargetGroup{TargetGroupArn: ptr(tgArn), TargetGroupName: ptr("backend"),
			HealthCheckTimeoutSeconds: ptr(int32(5)), HealthCheckIntervalSeconds: ptr(int32(30)), UnhealthyThresholdCount: ptr(int32(2))}}},
		Metrics: map[string]aws.Series{
			aws.MetricServiceCPUMax:  run("AWS/ECS", "CPUUtilization", cpuStart, 38, 41, 55, 72, 88, 97, 99, 99, 99, 99, 99, 99, 98, 99, 12),
			aws.MetricServiceMemMax:  run("AWS/ECS", "MemoryUtilization", cpuStart, 44, 44, 45, 46, 47, 47, 48, 48, 49, 49, 49, 50, 50, 50, 20),
			aws.MetricClusterCPUUtil: flat("AWS/ECS", "CPUUtilization", cpuStart, 15, 60),
			aws.MetricClusterCPURes:  flat("AWS/ECS", "CPUReservation", cpuStart, 15, 50),
			aws.MetricClusterMemRes:  flat("AWS/ECS", "MemoryReservation", cpuStart, 15, 50),
		},
		Logs: map[string][]aws.LogLine{arn(deadID): {
			{T: at("13:32:50"), Message: "GET /problem/12 200 3900ms"},
			{T: at("13:32:58"), Message: "POST /user/sign-up 201 4210ms"},
		}},
	}
}

// Unused builders keep their types imported for the tests that need them.
var (
	_ = astypes.ScalableTarget{}
	_ = asgtypes.ScalingPolicy{}
)

// missingCodes are the codes of the diagnosis's Missing, in order.
func missingCodes(d Diagnosis) []aws.MissingCode {
	var out []aws.MissingCode
	for _, m := range d.Missing {
		out = append(out, m.Code)
	}
	return out
}
