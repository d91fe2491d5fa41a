package diagnose

import (
	"testing"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
)

// agedOut is the club's incident asked about hours later: DescribeTasks no
// longer returns the dead task, only the events remember it.
func agedOut(events ...ecstypes.ServiceEvent) func(*aws.ServiceSnapshot) {
	return func(s *aws.ServiceSnapshot) {
		s.Now = now.Add(3 * time.Hour)
		s.Stopped = nil
		s.Service.Events = events
	}
}

func TestParseEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg  string
		kind eventKind
		ids  []string
		why  string
		n    int
	}{
		{"(service backend) has stopped 1 running tasks: (task " + deadID + ").", evStopped, []string{deadID}, "", 1},
		{"service backend has stopped 2 running tasks: (task aaaaaaaa-1111) (task bbbbbbbb-2222).", evStopped, []string{"aaaaaaaa-1111", "bbbbbbbb-2222"}, "", 2},
		{"(service backend, taskSet ecs-svc/123) has stopped 1 running tasks: (task " + deadID + ").", evStopped, []string{deadID}, "", 1},
		{"service service-prod has started 1 tasks: task 269a5f2c-1111-2222-3333-444455556666.", evStarted, []string{"269a5f2c-1111-2222-3333-444455556666"}, "", 1},
		{"(service backend) (port 4000) is unhealthy in (target-group " + tgArn + ") due to (reason Request timed out).", evUnhealthy, nil, "Request timed out", 0},
		{"service backend (instance i-0abc) (port 1047) is unhealthy in target-group backend due to (reason Health checks failed with these codes: [502])", evUnhealthy, nil, "Health checks failed with these codes: [502]", 0},
		{"(service backend) (task " + deadID + ") (port 4000) is unhealthy in (target-group " + tgArn + ") due to (reason Request timed out).", evUnhealthy, []string{deadID}, "Request timed out", 0},
		{"(service backend) (task " + deadID + ") failed container health checks.", evContainerUnhealthy, []string{deadID}, "", 0},
		{"(service backend) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance 0f1e) has insufficient CPU units available.", evPlacement, nil,
			"no container instance met all of its requirements. The closest matching (container-instance 0f1e) has insufficient CPU units available", 0},
		{"(service backend) has reached a steady state.", evSteady, nil, "", 0},
		{"(service backend) (deployment ecs-svc/2222) deployment completed.", evDeploymentCompleted, nil, "", 0},
		{"(service backend) (deployment ecs-svc/2222) deployment failed: tasks failed to start.", evDeploymentFailed, nil, "", 0},
		{"(service backend) rolling back to deployment ecs-svc/1111.", evRollback, nil, "", 0},
		{"Message: Successfully set desired count to 3. Change successfully fulfilled by ecs.", evDesiredCount, nil, "", 3},
		{"(service backend) has begun draining connections on 1 tasks.", evDraining, nil, "", 0},
		{"something ECS will say one day", evOther, nil, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.msg, func(t *testing.T) {
			got := parseEvent(now, tc.msg)
			want := serviceEvent{At: now, Kind: tc.kind, Message: tc.msg, TaskIDs: tc.ids, Reason: tc.why, Count: tc.n, Deploy: got.Deploy}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(serviceEvent{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestStopsFromEventsAndHistory(t *testing.T) {
	t.Parallel()
	stopped := func(hhmmss, id string) ecstypes.ServiceEvent {
		return ev(hhmmss, "(service backend) has stopped 1 running tasks: (task "+id+").")
	}
	unhealthy := ev("13:31:05", "(service backend) (port 4000) is unhealthy in (target-group "+tgArn+") due to (reason Request timed out).")
	tests := []struct {
		name    string
		edit    []func(*aws.ServiceSnapshot)
		opt     Options
		want    view
		missing []aws.MissingCode
	}{
		{"aged out, unhealthy 3 minutes before: elb, medium", []func(*aws.ServiceSnapshot){agedOut(stopped("13:34:05", deadID), unhealthy)}, Options{},
			view{CauseELBHealthCheck, []string{FactorCPUStarved}, ConfidenceMedium, []string{CauseELBHealthCheck}, []string{"events"}},
			[]aws.MissingCode{MissingAgedOutEvents, MissingNoContainerInsight}},
		{"aged out, old wording", []func(*aws.ServiceSnapshot){agedOut(
			ev("13:34:05", "service backend has stopped 1 running tasks: (task "+deadID+")."),
			ev("13:32:00", "service backend (instance i-0abc) (port 1047) is unhealthy in target-group backend due to (reason Request timed out)"))}, Options{},
			view{CauseELBHealthCheck, []string{FactorCPUStarved}, ConfidenceMedium, []string{CauseELBHealthCheck}, []string{"events"}}, nil},
		{"aged out, unhealthy 6 minutes before is too far: unknown", []func(*aws.ServiceSnapshot){agedOut(stopped("13:37:10", deadID), unhealthy)}, Options{},
			view{CauseUnknown, []string{FactorCPUStarved}, ConfidenceLow, []string{CauseUnknown}, []string{"events"}}, nil},
		{"aged out, an unhealthy event about another task does not count", []func(*aws.ServiceSnapshot){agedOut(stopped("13:34:05", deadID),
			ev("13:33:00", "(service backend) (task "+liveID+") (port 4000) is unhealthy in (target-group "+tgArn+") due to (reason Request timed out)."))}, Options{},
			view{CauseUnknown, []string{FactorCPUStarved}, ConfidenceLow, []string{CauseUnknown}, []string{"events"}}, nil},
		{"aged out, failed container health checks", []func(*aws.ServiceSnapshot){agedOut(stopped("13:34:05", deadID),
			ev("13:33:40", "(service backend) (task "+deadID+") failed container health checks."))}, Options{},
			view{CauseContainerHealthCheck, []string{FactorCPUStarved}, ConfidenceMedium, []string{CauseContainerHealthCheck}, []string{"events"}}, nil},
		{"aged out during a deployment", []func(*aws.ServiceSnapshot){agedOut(stopped("13:34:05", deadID),
			ev("13:40:00", "(service backend) (deployment ecs-svc/2222) deployment completed.")), func(s *aws.ServiceSnapshot) {
			s.Service.Deployments = []ecstypes.Deployment{{Id: ptr("ecs-svc/2222"), Status: ptr("PRIMARY"), TaskDefinition: ptr(tdArn7),
				RolloutState: "COMPLETED", CreatedAt: ptr(at("13:30:00")), UpdatedAt: ptr(at("13:40:00"))}}
		}}, Options{},
			view{CauseDeployment, []string{FactorCPUStarved}, ConfidenceLow, []string{CauseDeployment}, []string{"events"}}, nil},
		{"aged out, nothing said: unknown", []func(*aws.ServiceSnapshot){agedOut(stopped("13:34:05", deadID)),
			func(s *aws.ServiceSnapshot) { delete(s.Metrics, aws.MetricServiceCPUMax) }}, Options{},
			view{CauseUnknown, []string{}, ConfidenceLow, []string{CauseUnknown}, []string{"events"}},
			[]aws.MissingCode{MissingAgedOutEvents, MissingNoCPUMetrics}},
		{"history fills in what AWS forgot", []func(*aws.ServiceSnapshot){agedOut(stopped("13:34:05", deadID), unhealthy)},
			Options{History: []Stop{{TaskArn: arn(deadID), StoppedAt: stopAt, Cause: CauseELBHealthCheck,
				Containers: []Container{{Name: "backend", ExitCode: ptr(int32(137))}}}}},
			view{CauseELBHealthCheck, []string{FactorCPUStarved}, ConfidenceMedium, []string{CauseELBHealthCheck}, []string{"history"}}, nil},
		{"history of a task DescribeTasks still returns is not repeated", nil,
			Options{History: []Stop{{TaskArn: arn(deadID), StoppedAt: stopAt, Cause: CauseUnknown}}},
			view{CauseELBHealthCheck, []string{FactorCPUStarved, FactorSigtermIgnored}, ConfidenceHigh, []string{CauseELBHealthCheck}, []string{"ecs"}}, nil},
		{"both: the DescribeTasks stop and an older one from events, newest first", []func(*aws.ServiceSnapshot){func(s *aws.ServiceSnapshot) {
			s.Service.Events = append(s.Service.Events, stopped("13:05:00", "0123456789abcdef0123456789abcdef"))
		}}, Options{},
			view{CauseELBHealthCheck, []string{FactorCPUStarved, FactorSigtermIgnored}, ConfidenceHigh, []string{CauseELBHealthCheck, CauseUnknown}, []string{"ecs", "events"}}, nil},
		{"since after the stop: nothing stopped, at the desired count", nil, Options{Since: at("13:35:00")},
			view{CauseNoRecentStops, []string{}, ConfidenceHigh, nil, nil}, nil},
		{"task ID picks an older stop", []func(*aws.ServiceSnapshot){func(s *aws.ServiceSnapshot) {
			older := stoppedTask()
			older.TaskArn = ptr(arn("0123456789abcdef0123456789abcdef"))
			older.StartedAt, older.StoppingAt, older.StoppedAt = ptr(at("12:00:00")), ptr(at("12:10:00")), ptr(at("12:10:01"))
			older.StoppedReason, older.StopCode = ptr("Essential container in task exited"), "EssentialContainerExited"
			older.Containers = []ecstypes.Container{container("backend", ptr(int32(1)), "")}
			s.Stopped = append(s.Stopped, older)
		}}, Options{TaskID: "0123456789abcdef0123456789abcdef"},
			view{CauseAppCrash, []string{}, ConfidenceMedium, []string{CauseAppCrash}, []string{"ecs"}}, nil},
		{"task ID of a running task", nil, Options{TaskID: liveID},
			view{CauseUnknown, []string{}, ConfidenceLow, nil, nil}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := club()
			for _, e := range tc.edit {
				e(s)
			}
			d := Diagnose(s, tc.opt)
			if diff := cmp.Diff(tc.want, viewOf(d)); diff != "" {
				t.Errorf("diagnosis (-want +got):\n%s\nsummary: %s", diff, d.Verdict.Summary)
			}
			if tc.missing != nil {
				if diff := cmp.Diff(tc.missing, missingCodes(d)); diff != "" {
					t.Errorf("missing (-want +got):\n%s", diff)
				}
			}
			checkInvariants(t, d)
		})
	}
}

func TestWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		edit     func(*aws.ServiceSnapshot)
		opt      Options
		from, to time.Time
	}{
		{"the last hour", func(*aws.ServiceSnapshot) {}, Options{}, now.Add(-time.Hour), now},
		{"widened to the newest stop and the 10 minutes before it", func(s *aws.ServiceSnapshot) { s.Now = now.Add(3 * time.Hour) },
			Options{}, stopgAt.Add(-10 * time.Minute), now.Add(3 * time.Hour)},
		{"since", func(*aws.ServiceSnapshot) {}, Options{Since: at("13:00:00")}, at("13:00:00"), now},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := club()
			tc.edit(s)
			got := Diagnose(s, tc.opt).Window
			if diff := cmp.Diff(Window{From: tc.from, To: tc.to}, got); diff != "" {
				t.Errorf("window (-want +got):\n%s", diff)
			}
		})
	}
}
