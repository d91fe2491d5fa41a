package diagnose

import (
	"testing"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
)

// view is the part of a diagnosis the rule tests compare.
type view struct {
	Cause        string
	Contributing []string
	Confidence   string
	StopCauses   []string
	Sources      []string
}

func viewOf(d Diagnosis) view {
	v := view{Cause: d.Verdict.Cause, Contributing: d.Verdict.Contributing, Confidence: d.Verdict.Confidence}
	for _, s := range d.Stops {
		v.StopCauses = append(v.StopCauses, s.Cause)
		v.Sources = append(v.Sources, s.Source)
	}
	return v
}

// withTask replaces the dead task by what f makes of it.
func withTask(f func(t *ecstypes.Task)) func(*aws.ServiceSnapshot) {
	return func(s *aws.ServiceSnapshot) { f(&s.Stopped[0]) }
}

// calm removes the CPU starvation and the SIGTERM story, so a test sees
// only the cause it is about.
func calm(s *aws.ServiceSnapshot) {
	s.Metrics[aws.MetricServiceCPUMax] = flat("AWS/ECS", "CPUUtilization", at("13:20:00"), 15, 30)
	s.Stopped[0].StoppingAt = ptr(stopAt.Add(-2 * time.Second))
}

func reason(r string) func(*ecstypes.Task) {
	return func(t *ecstypes.Task) { t.StoppedReason = ptr(r) }
}

func TestCauses(t *testing.T) {
	t.Parallel()
	exit := func(c int32) *int32 { return &c }
	essentialExit := func(code *int32, creason string) func(*ecstypes.Task) {
		return func(tk *ecstypes.Task) {
			tk.StopCode = "EssentialContainerExited"
			tk.StoppedReason = ptr("Essential container in task exited")
			tk.Containers = []ecstypes.Container{container("backend", code, creason)}
		}
	}
	tests := []struct {
		name string
		edit []func(*aws.ServiceSnapshot)
		want view
	}{
		{"club: ELB health check, CPU-starved, SIGKILL after the stop timeout", nil,
			view{CauseELBHealthCheck, []string{FactorCPUStarved, FactorSigtermIgnored}, ConfidenceHigh, []string{CauseELBHealthCheck}, []string{"ecs"}}},
		{"OOM reason with 137", []func(*aws.ServiceSnapshot){calm, withTask(essentialExit(exit(137), "OutOfMemoryError: Container killed due to memory usage"))},
			view{CauseOOMKilled, []string{}, ConfidenceHigh, []string{CauseOOMKilled}, []string{"ecs"}}},
		{"OOM reason with exit 0 is still oom-killed", []func(*aws.ServiceSnapshot){calm, withTask(essentialExit(exit(0), "OutOfMemoryError: Container killed due to memory usage"))},
			view{CauseOOMKilled, []string{}, ConfidenceHigh, []string{CauseOOMKilled}, []string{"ecs"}}},
		{"OOM reason with exit 1 on an ELB stop is oom-killed", []func(*aws.ServiceSnapshot){calm, withTask(func(tk *ecstypes.Task) {
			tk.Containers = []ecstypes.Container{container("backend", exit(1), "OutOfMemoryError: Container killed due to memory usage")}
		})}, view{CauseOOMKilled, []string{}, ConfidenceHigh, []string{CauseOOMKilled}, []string{"ecs"}}},
		{"137 without an OOM reason is never oom-killed", []func(*aws.ServiceSnapshot){calm, withTask(essentialExit(exit(137), ""))},
			view{CauseAppCrash, []string{}, ConfidenceMedium, []string{CauseAppCrash}, []string{"ecs"}}},
		{"139 is app-crash", []func(*aws.ServiceSnapshot){calm, withTask(essentialExit(exit(139), ""))},
			view{CauseAppCrash, []string{}, ConfidenceMedium, []string{CauseAppCrash}, []string{"ecs"}}},
		{"exit 0 is app-exited", []func(*aws.ServiceSnapshot){calm, withTask(essentialExit(exit(0), ""))},
			view{CauseAppExited, []string{}, ConfidenceHigh, []string{CauseAppExited}, []string{"ecs"}}},
		{"a non-essential sidecar's exit code does not decide", []func(*aws.ServiceSnapshot){calm, func(s *aws.ServiceSnapshot) {
			td := s.TaskDefinitions[tdArn7]
			td.ContainerDefinitions = append(td.ContainerDefinitions, ecstypes.ContainerDefinition{Name: ptr("log-router"), Essential: ptr(false)})
			s.TaskDefinitions[tdArn7] = td
		}, withTask(func(tk *ecstypes.Task) {
			essentialExit(exit(0), "")(tk)
			tk.Containers = append([]ecstypes.Container{container("log-router", exit(1), "")}, tk.Containers...)
		})}, view{CauseAppExited, []string{}, ConfidenceHigh, []string{CauseAppExited}, []string{"ecs"}}},
		// The reason names the cause; only the code that tells a crash from
		// a clean exit is missing (it used to be unknown).
		{"essential exit with no exit code", []func(*aws.ServiceSnapshot){calm, withTask(essentialExit(nil, ""))},
			view{CauseAppCrash, []string{}, ConfidenceLow, []string{CauseAppCrash}, []string{"ecs"}}},
		{"CannotPullContainerError in stoppedReason", []func(*aws.ServiceSnapshot){calm, withTask(reason("CannotPullContainerError: pull image manifest has been retried 5 time(s)"))},
			view{CauseImagePullFailed, []string{}, ConfidenceHigh, []string{CauseImagePullFailed}, []string{"ecs"}}},
		{"CannotPullECRContainerError in a container reason", []func(*aws.ServiceSnapshot){calm, withTask(func(tk *ecstypes.Task) {
			tk.StoppedReason = nil
			tk.StopCode = "TaskFailedToStart"
			tk.Containers = []ecstypes.Container{container("backend", nil, "CannotPullECRContainerError: AccessDeniedException")}
		})}, view{CauseImagePullFailed, []string{}, ConfidenceHigh, []string{CauseImagePullFailed}, []string{"ecs"}}},
		{"ResourceInitializationError", []func(*aws.ServiceSnapshot){calm, withTask(reason("ResourceInitializationError: unable to pull secrets or registry auth"))},
			view{CauseResourceInitFailed, []string{}, ConfidenceHigh, []string{CauseResourceInitFailed}, []string{"ecs"}}},
		{"an OOM at container start is container-start-failed", []func(*aws.ServiceSnapshot){calm, withTask(reason("CannotStartContainerError: Error response from daemon: OCI runtime create failed: container init was OOM-killed (memory limit too low?): unknown"))},
			view{CauseContainerStartFailed, []string{}, ConfidenceHigh, []string{CauseContainerStartFailed}, []string{"ecs"}}},
		{"ContainerRuntimeTimeoutError", []func(*aws.ServiceSnapshot){calm, withTask(reason("ContainerRuntimeTimeoutError: Could not transition to running; timed out after waiting 1m"))},
			view{CauseContainerStartFailed, []string{}, ConfidenceHigh, []string{CauseContainerStartFailed}, []string{"ecs"}}},
		{"container health checks", []func(*aws.ServiceSnapshot){calm, withTask(reason("Task failed container health checks"))},
			view{CauseContainerHealthCheck, []string{}, ConfidenceHigh, []string{CauseContainerHealthCheck}, []string{"ecs"}}},
		{"classic ELB form", []func(*aws.ServiceSnapshot){calm, withTask(reason("Task failed ELB health checks in (elb backend-clb)"))},
			view{CauseELBHealthCheck, []string{}, ConfidenceHigh, []string{CauseELBHealthCheck}, []string{"ecs"}}},
		{"stop code SpotInterruption", []func(*aws.ServiceSnapshot){calm, withTask(func(tk *ecstypes.Task) { tk.StopCode = "SpotInterruption"; tk.StoppedReason = nil })},
			view{CauseSpotInterruption, []string{}, ConfidenceHigh, []string{CauseSpotInterruption}, []string{"ecs"}}},
		{"Fargate Spot: TerminationNotice with the Spot message", []func(*aws.ServiceSnapshot){calm, withTask(func(tk *ecstypes.Task) {
			tk.StopCode = "TerminationNotice"
			tk.StoppedReason = ptr("Your Spot Task was interrupted.")
		})}, view{CauseSpotInterruption, []string{}, ConfidenceHigh, []string{CauseSpotInterruption}, []string{"ecs"}}},
		{"maintenance", []func(*aws.ServiceSnapshot){calm, withTask(reason("ECS is performing maintenance on the underlying infrastructure hosting the task"))},
			view{CauseAWSMaintenance, []string{}, ConfidenceHigh, []string{CauseAWSMaintenance}, []string{"ecs"}}},
		{"host terminated", []func(*aws.ServiceSnapshot){calm, withTask(func(tk *ecstypes.Task) {
			tk.StopCode = "TerminationNotice"
			tk.StoppedReason = ptr("Host EC2 (instance i-0da6a1b2c3d4e5f60) terminated.")
		})}, view{CauseHostTerminated, []string{}, ConfidenceHigh, []string{CauseHostTerminated}, []string{"ecs"}}},
		{"host stopped", []func(*aws.ServiceSnapshot){calm, withTask(reason("Host EC2 (instance i-0da6a1b2c3d4e5f60) stopped."))},
			view{CauseHostTerminated, []string{}, ConfidenceHigh, []string{CauseHostTerminated}, []string{"ecs"}}},
		{"forced deregistration", []func(*aws.ServiceSnapshot){calm, withTask(reason("Container instance deregistration forced by user"))},
			view{CauseHostTerminated, []string{}, ConfidenceHigh, []string{CauseHostTerminated}, []string{"ecs"}}},
		{"another TerminationNotice", []func(*aws.ServiceSnapshot){calm, withTask(func(tk *ecstypes.Task) { tk.StopCode = "TerminationNotice"; tk.StoppedReason = nil })},
			view{CauseHostTerminated, []string{}, ConfidenceMedium, []string{CauseHostTerminated}, []string{"ecs"}}},
		{"user stopped, with the 137 of a slow shutdown", []func(*aws.ServiceSnapshot){withTask(func(tk *ecstypes.Task) {
			tk.StopCode = "UserInitiated"
			tk.StoppedReason = ptr("Task stopped by user")
		}), func(s *aws.ServiceSnapshot) {
			s.Metrics[aws.MetricServiceCPUMax] = flat("AWS/ECS", "CPUUtilization", at("13:20:00"), 15, 30)
		}}, view{CauseUserStopped, []string{FactorSigtermIgnored}, ConfidenceHigh, []string{CauseUserStopped}, []string{"ecs"}}},
		{"scaling activity on an older task definition is a deployment", []func(*aws.ServiceSnapshot){calm, withTask(func(tk *ecstypes.Task) {
			tk.StoppedReason = ptr("Scaling activity initiated by (deployment ecs-svc/0000)")
			tk.TaskDefinitionArn = ptr(tdArn6)
			tk.Containers = []ecstypes.Container{container("backend", exit(0), "")}
		})}, view{CauseDeployment, []string{}, ConfidenceMedium, []string{CauseDeployment}, []string{"ecs"}}},
		{"scaling activity while a deployment rolls out", []func(*aws.ServiceSnapshot){calm, func(s *aws.ServiceSnapshot) {
			s.Service.Deployments = []ecstypes.Deployment{
				{Id: ptr("ecs-svc/2222"), Status: ptr("PRIMARY"), TaskDefinition: ptr(tdArn7), RolloutState: "IN_PROGRESS", CreatedAt: ptr(at("13:30:00"))},
				{Id: ptr("ecs-svc/1111"), Status: ptr("ACTIVE"), TaskDefinition: ptr(tdArn7), RolloutState: "COMPLETED", CreatedAt: ptr(at("09:00:00"))},
			}
		}, withTask(reason("Scaling activity initiated by (deployment ecs-svc/1111)"))},
			view{CauseDeployment, []string{}, ConfidenceMedium, []string{CauseDeployment}, []string{"ecs"}}},
		{"scaling activity with no deployment is scale-in", []func(*aws.ServiceSnapshot){calm, func(s *aws.ServiceSnapshot) {
			s.Service.Events = append(s.Service.Events, ev("13:33:00", "Message: Successfully set desired count to 1. Change successfully fulfilled by ecs."))
		}, withTask(reason("Scaling activity initiated by (deployment ecs-svc/1111)"))},
			view{CauseScaleIn, []string{}, ConfidenceMedium, []string{CauseScaleIn}, []string{"ecs"}}},
		{"no reason, 137, no gap, unhealthy event before: elb, medium", []func(*aws.ServiceSnapshot){calm, withTask(func(tk *ecstypes.Task) {
			tk.StoppedReason, tk.StopCode, tk.StoppingAt = nil, "", nil
		})}, view{CauseELBHealthCheck, []string{FactorSigtermIgnored}, ConfidenceMedium, []string{CauseELBHealthCheck}, []string{"ecs"}}},
		{"no reason and no events: unknown", []func(*aws.ServiceSnapshot){calm, func(s *aws.ServiceSnapshot) { s.Service.Events = nil }, withTask(func(tk *ecstypes.Task) {
			tk.StoppedReason, tk.StopCode = nil, ""
			tk.Containers = []ecstypes.Container{container("backend", exit(2), "")}
		})}, view{CauseUnknown, []string{}, ConfidenceLow, []string{CauseUnknown}, []string{"ecs"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := club()
			for _, e := range tc.edit {
				e(s)
			}
			d := Diagnose(s, Options{Alias: "backend"})
			if diff := cmp.Diff(tc.want, viewOf(d)); diff != "" {
				t.Errorf("diagnosis (-want +got):\n%s\nsummary: %s", diff, d.Verdict.Summary)
			}
			checkInvariants(t, d)
		})
	}
}

// checkInvariants holds for every diagnosis: known codes, sorted factors,
// evidence for the cause and each factor, newest stop first, one sentence.
func checkInvariants(t *testing.T, d Diagnosis) {
	t.Helper()
	if !knownCause[d.Verdict.Cause] {
		t.Errorf("unknown cause %q", d.Verdict.Cause)
	}
	for i, f := range d.Verdict.Contributing {
		if !knownFactor[f] {
			t.Errorf("unknown factor %q", f)
		}
		if i > 0 && d.Verdict.Contributing[i-1] >= f {
			t.Errorf("contributing not sorted: %v", d.Verdict.Contributing)
		}
	}
	noData := len(d.Missing) > 0 && d.Missing[0].Code == MissingNoData
	if !noData && len(d.Evidence) < 1+len(d.Verdict.Contributing) {
		t.Errorf("%d evidence items for a cause and %d factors", len(d.Evidence), len(d.Verdict.Contributing))
	}
	for _, e := range d.Evidence {
		if e.Source == "" || e.Fact == "" {
			t.Errorf("evidence without source or fact: %+v", e)
		}
	}
	for i := 1; i < len(d.Stops); i++ {
		if d.Stops[i].StoppedAt.After(d.Stops[i-1].StoppedAt) {
			t.Errorf("stops not newest first")
		}
	}
	if s := d.Verdict.Summary; s == "" || s[len(s)-1] != '.' {
		t.Errorf("summary %q is not a sentence", s)
	}
	if d.Verdict.Confidence != ConfidenceHigh && d.Verdict.Confidence != ConfidenceMedium && d.Verdict.Confidence != ConfidenceLow {
		t.Errorf("confidence %q", d.Verdict.Confidence)
	}
}

var knownCause = map[string]bool{
	CauseOOMKilled: true, CauseELBHealthCheck: true, CauseContainerHealthCheck: true, CauseAppCrash: true,
	CauseAppExited: true, CauseDeployment: true, CauseScaleIn: true, CauseUserStopped: true, CauseHostTerminated: true,
	CauseSpotInterruption: true, CauseAWSMaintenance: true, CauseImagePullFailed: true, CauseResourceInitFailed: true,
	CauseContainerStartFailed: true, CausePlacementFailed: true, CauseNoRecentStops: true, CauseUnknown: true,
}

var knownFactor = map[string]bool{
	FactorCPUStarved: true, FactorMemoryPressure: true, FactorClusterCPUFull: true, FactorClusterMemoryFull: true,
	FactorScalingDisabled: true, FactorNoGracePeriod: true, FactorTightHealthCheck: true, FactorSigtermIgnored: true,
	FactorCrashLoop: true, FactorCircuitBreaker: true, FactorLogFlood: true,
}
