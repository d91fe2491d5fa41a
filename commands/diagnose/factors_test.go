package diagnose

import (
	"testing"
	"time"

	astypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
)

func setMetric(key string, s aws.Series) func(*aws.ServiceSnapshot) {
	return func(snap *aws.ServiceSnapshot) { snap.Metrics[key] = s }
}

// placementWorld: nothing stopped, one task wanted, none placeable on a
// full EC2 cluster.
func placementWorld(s *aws.ServiceSnapshot) {
	s.Stopped = nil
	s.Running = nil
	s.Service.RunningCount = 0
	s.Service.Events = []ecstypes.ServiceEvent{ev("13:38:00", "(service backend) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance 0f1e) has insufficient CPU units available.")}
	s.Metrics[aws.MetricClusterCPURes] = flat("AWS/ECS", "CPUReservation", at("13:25:00"), 15, 100)
}

// reservationTracking is target tracking on codedang's CPUReservation.
func reservationTracking(group string) asgtypes.ScalingPolicy {
	return asgtypes.ScalingPolicy{AutoScalingGroupName: ptr(group), PolicyName: ptr("tt"), Enabled: ptr(true), TargetTrackingConfiguration: &asgtypes.TargetTrackingConfiguration{
		CustomizedMetricSpecification: &asgtypes.CustomizedMetricSpecification{MetricName: ptr("CPUReservation"), Namespace: ptr("AWS/ECS"),
			Dimensions: []asgtypes.MetricDimension{{Name: ptr("ClusterName"), Value: ptr("codedang")}}}}}
}

func crashes(n int, gap time.Duration) func(*aws.ServiceSnapshot) {
	return func(s *aws.ServiceSnapshot) {
		s.Stopped = nil
		for i := 0; i < n; i++ {
			tk := stoppedTask()
			end := stopAt.Add(-time.Duration(i) * gap)
			if i > 0 {
				tk.TaskArn = ptr(arn(deadID[:30] + string(rune('a'+i)) + "0"))
			}
			tk.StartedAt, tk.StoppingAt, tk.StoppedAt = ptr(end.Add(-time.Minute)), ptr(end), ptr(end)
			tk.StopCode, tk.StoppedReason = "EssentialContainerExited", ptr("Essential container in task exited")
			tk.Containers = []ecstypes.Container{container("backend", ptr(int32(1)), "")}
			s.Stopped = append(s.Stopped, tk)
		}
	}
}

func TestFactors(t *testing.T) {
	t.Parallel()
	startedSoon := withTask(func(tk *ecstypes.Task) { tk.StartedAt = ptr(stopgAt.Add(-95 * time.Second)) })
	tests := []struct {
		name    string
		edit    []func(*aws.ServiceSnapshot)
		cause   string
		factors []string
		notes   []string
		actions []string
	}{
		{"club", nil, CauseELBHealthCheck, []string{FactorCPUStarved, FactorSigtermIgnored},
			[]string{NoteCPUShare, NoteHostCPU}, []string{ActionScaleCPU, ActionAutoscaleOn, ActionFixSigterm}},
		{"two points at 90 % are not starvation", []func(*aws.ServiceSnapshot){calm,
			setMetric(aws.MetricServiceCPUMax, run("AWS/ECS", "CPUUtilization", at("13:24:00"), 40, 40, 40, 95, 95, 40, 40, 40, 40, 40))},
			CauseELBHealthCheck, []string{}, nil, nil},
		{"Container Insights per task wins over the service figure", []func(*aws.ServiceSnapshot){calm,
			setMetric(aws.MetricTaskCPUPrefix+deadID, flat("ECS/ContainerInsights", "TaskCpuUtilization", at("13:24:00"), 10, 97))},
			CauseELBHealthCheck, []string{FactorCPUStarved}, []string{NoteCPUShare, NoteHostCPU}, []string{ActionScaleCPU, ActionAutoscaleOn}},
		{"hosts as busy as the task: no host note", []func(*aws.ServiceSnapshot){
			setMetric(aws.MetricClusterCPUUtil, flat("AWS/ECS", "CPUUtilization", at("13:20:00"), 15, 92))},
			CauseELBHealthCheck, []string{FactorCPUStarved, FactorSigtermIgnored}, []string{NoteCPUShare}, []string{ActionScaleCPU, ActionAutoscaleOn, ActionFixSigterm}},
		{"service auto scaling exists: no autoscale remedy", []func(*aws.ServiceSnapshot){calm,
			setMetric(aws.MetricServiceCPUMax, flat("AWS/ECS", "CPUUtilization", at("13:20:00"), 15, 99)),
			func(s *aws.ServiceSnapshot) {
				s.ScalableTargets = []astypes.ScalableTarget{{ScalableDimension: "ecs:service:DesiredCount", MinCapacity: ptr(int32(1)), MaxCapacity: ptr(int32(4))}}
				s.ScalingPolicies = []astypes.ScalingPolicy{{PolicyName: ptr("cpu60")}}
			}}, CauseELBHealthCheck, []string{FactorCPUStarved}, []string{NoteCPUShare, NoteHostCPU}, []string{ActionScaleCPU}},
		{"memory pressure without an OOM kill", []func(*aws.ServiceSnapshot){calm,
			setMetric(aws.MetricServiceMemMax, flat("AWS/ECS", "MemoryUtilization", at("13:20:00"), 15, 96))},
			CauseELBHealthCheck, []string{FactorMemoryPressure}, nil, []string{ActionScaleMemory}},
		{"memory high with an OOM kill is the cause, not a factor", []func(*aws.ServiceSnapshot){calm,
			setMetric(aws.MetricServiceMemMax, flat("AWS/ECS", "MemoryUtilization", at("13:20:00"), 15, 100)),
			withTask(func(tk *ecstypes.Task) {
				tk.Containers = []ecstypes.Container{container("backend", ptr(int32(137)), "OutOfMemoryError: Container killed due to memory usage")}
			})}, CauseOOMKilled, []string{}, nil, []string{ActionScaleMemory}},
		{"placement on a full EC2 cluster that cannot grow", []func(*aws.ServiceSnapshot){placementWorld},
			CausePlacementFailed, []string{FactorClusterCPUFull, FactorScalingDisabled}, nil, []string{ActionReservationOn}},
		{"placement, but managed scaling is on", []func(*aws.ServiceSnapshot){placementWorld, func(s *aws.ServiceSnapshot) {
			s.CapacityProviders = []ecstypes.CapacityProvider{{Name: ptr("cp"), AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{
				ManagedScaling: &ecstypes.ManagedScaling{Status: "ENABLED"}}}}
		}}, CausePlacementFailed, []string{FactorClusterCPUFull}, nil, []string{ActionReservationOn}},
		{"placement, reservation policy on the ASG", []func(*aws.ServiceSnapshot){placementWorld, func(s *aws.ServiceSnapshot) {
			s.AutoScalingGroups = []asgtypes.AutoScalingGroup{{AutoScalingGroupName: ptr("codedang-asg"), Instances: []asgtypes.Instance{{InstanceId: ptr("i-0abc")}}}}
			s.AutoScalingPolicies = []asgtypes.ScalingPolicy{reservationTracking("codedang-asg")}
		}}, CausePlacementFailed, []string{FactorClusterCPUFull}, nil, []string{ActionReservationOn}},
		{"placement, the reservation policy is another cluster's group's", []func(*aws.ServiceSnapshot){placementWorld, func(s *aws.ServiceSnapshot) {
			s.AutoScalingGroups = []asgtypes.AutoScalingGroup{{AutoScalingGroupName: ptr("codedang-asg"), Instances: []asgtypes.Instance{{InstanceId: ptr("i-0abc")}}},
				{AutoScalingGroupName: ptr("other-asg"), Instances: []asgtypes.Instance{{InstanceId: ptr("i-9")}}}}
			s.AutoScalingPolicies = []asgtypes.ScalingPolicy{reservationTracking("other-asg")}
		}}, CausePlacementFailed, []string{FactorClusterCPUFull, FactorScalingDisabled}, nil, []string{ActionReservationOn}},
		{"placement, reservation policy disabled counts as off", []func(*aws.ServiceSnapshot){placementWorld, func(s *aws.ServiceSnapshot) {
			s.AutoScalingPolicies = []asgtypes.ScalingPolicy{{PolicyName: ptr("cpu-reservation-high"), Enabled: ptr(false)}}
		}}, CausePlacementFailed, []string{FactorClusterCPUFull, FactorScalingDisabled}, nil, []string{ActionReservationOn}},
		{"Fargate has no cluster to scale", []func(*aws.ServiceSnapshot){placementWorld, func(s *aws.ServiceSnapshot) {
			s.Service.LaunchType = "FARGATE"
			s.ContainerInstances = nil
			s.Cluster.RegisteredContainerInstancesCount = 0
			delete(s.Metrics, aws.MetricClusterCPURes)
		}}, CausePlacementFailed, []string{}, nil, nil},
		{"killed 95 s after start with no grace period", []func(*aws.ServiceSnapshot){calm, startedSoon},
			CauseELBHealthCheck, []string{FactorNoGracePeriod}, nil, []string{ActionHealthcheckGrace}},
		{"a long grace period already covered start-up", []func(*aws.ServiceSnapshot){calm, startedSoon,
			func(s *aws.ServiceSnapshot) { s.Service.HealthCheckGracePeriodSeconds = ptr(int32(300)) }},
			CauseELBHealthCheck, []string{}, nil, nil},
		{"tight ELB health check", []func(*aws.ServiceSnapshot){calm, func(s *aws.ServiceSnapshot) {
			g := &s.TargetGroups[0].Group
			g.HealthCheckTimeoutSeconds, g.HealthCheckIntervalSeconds, g.UnhealthyThresholdCount = ptr(int32(2)), ptr(int32(10)), ptr(int32(2))
		}}, CauseELBHealthCheck, []string{FactorTightHealthCheck}, nil, []string{ActionHealthcheckTimeout, ActionHealthcheckUnhealthy}},
		{"tight container health check", []func(*aws.ServiceSnapshot){calm, withTask(reason("Task failed container health checks")), func(s *aws.ServiceSnapshot) {
			td := s.TaskDefinitions[tdArn7]
			td.ContainerDefinitions[0].HealthCheck = &ecstypes.HealthCheck{Command: []string{"CMD", "true"}, Interval: ptr(int32(5)), Retries: ptr(int32(2))}
			s.TaskDefinitions[tdArn7] = td
		}}, CauseContainerHealthCheck, []string{FactorTightHealthCheck}, nil, []string{ActionHealthcheckUnhealthy}},
		{"137 within the stop timeout is not SIGTERM ignored", []func(*aws.ServiceSnapshot){calm},
			CauseELBHealthCheck, []string{}, nil, nil},
		{"a longer stopTimeout raises the bar", []func(*aws.ServiceSnapshot){func(s *aws.ServiceSnapshot) {
			td := s.TaskDefinitions[tdArn7]
			td.ContainerDefinitions[0].StopTimeout = ptr(int32(60))
			s.TaskDefinitions[tdArn7] = td
		}}, CauseELBHealthCheck, []string{FactorCPUStarved}, []string{NoteCPUShare, NoteHostCPU}, []string{ActionScaleCPU, ActionAutoscaleOn}},
		{"three crashes in 20 minutes: crash loop, rollback", []func(*aws.ServiceSnapshot){calm, crashes(3, 10*time.Minute)},
			CauseAppCrash, []string{FactorCrashLoop}, nil, []string{ActionRollback}},
		{"three crashes over an hour: no loop", []func(*aws.ServiceSnapshot){calm, crashes(3, 20*time.Minute)},
			CauseAppCrash, []string{}, nil, []string{ActionRollback}},
		{"crash on revision 1: read the logs", []func(*aws.ServiceSnapshot){calm, crashes(1, 0), func(s *aws.ServiceSnapshot) {
			td := taskDef(tdArn7, 1)
			td.TaskDefinitionArn = ptr("arn:aws:ecs:ap-northeast-2:111122223333:task-definition/backend:1")
			s.TaskDefinition = td
			s.TaskDefinitions = map[string]ecstypes.TaskDefinition{*td.TaskDefinitionArn: td}
		}}, CauseAppCrash, []string{}, nil, []string{ActionReadLogs}},
		{"circuit breaker from the deployment", []func(*aws.ServiceSnapshot){calm, crashes(1, 0), func(s *aws.ServiceSnapshot) {
			s.Service.Deployments = append(s.Service.Deployments, ecstypes.Deployment{Id: ptr("ecs-svc/3333"), Status: ptr("ACTIVE"),
				RolloutState: "FAILED", RolloutStateReason: ptr("ECS deployment circuit breaker: tasks failed to start."), CreatedAt: ptr(at("13:20:00"))})
		}}, CauseAppCrash, []string{FactorCircuitBreaker}, nil, []string{ActionRollback}},
		{"circuit breaker from the events", []func(*aws.ServiceSnapshot){calm, crashes(1, 0), func(s *aws.ServiceSnapshot) {
			s.Service.Events = append(s.Service.Events, ev("13:36:00", "(service backend) (deployment ecs-svc/3333) deployment failed: tasks failed to start."))
		}}, CauseAppCrash, []string{FactorCircuitBreaker}, nil, []string{ActionRollback}},
		{"12 log lines per request", []func(*aws.ServiceSnapshot){calm,
			setMetric(aws.MetricLogEvents, flat("AWS/Logs", "IncomingLogEvents", at("13:20:00"), 15, 1200)),
			setMetric(aws.MetricRequests, flat("AWS/ApplicationELB", "RequestCount", at("13:20:00"), 15, 100))},
			CauseELBHealthCheck, []string{FactorLogFlood}, nil, []string{ActionReduceLogging}},
		{"a few lines per request is normal", []func(*aws.ServiceSnapshot){calm,
			setMetric(aws.MetricLogEvents, flat("AWS/Logs", "IncomingLogEvents", at("13:20:00"), 15, 300)),
			setMetric(aws.MetricRequests, flat("AWS/ApplicationELB", "RequestCount", at("13:20:00"), 15, 100))},
			CauseELBHealthCheck, []string{}, nil, nil},
		{"no request counts: a jump in lines a minute", []func(*aws.ServiceSnapshot){calm, func(s *aws.ServiceSnapshot) {
			l := flat("AWS/Logs", "IncomingLogEvents", at("12:20:00"), 75, 100)
			for i := 65; i < 75; i++ {
				l.Points[i].V = 900
			}
			s.Metrics[aws.MetricLogEvents] = l
		}}, CauseELBHealthCheck, []string{FactorLogFlood}, nil, []string{ActionReduceLogging}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := club()
			for _, e := range tc.edit {
				e(s)
			}
			d := Diagnose(s, Options{Alias: "backend"})
			var actions []string
			for _, r := range d.Remedies {
				actions = append(actions, r.Action)
			}
			got := struct {
				Cause          string
				Factors, Notes []string
				Actions        []string
			}{d.Verdict.Cause, d.Verdict.Contributing, d.Notes, actions}
			want := got
			want.Cause, want.Factors, want.Notes, want.Actions = tc.cause, tc.factors, tc.notes, tc.actions
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\nsummary: %s", diff, d.Verdict.Summary)
			}
			checkInvariants(t, d)
		})
	}
}
