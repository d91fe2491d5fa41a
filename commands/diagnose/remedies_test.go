package diagnose

import (
	"testing"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws"
)

func TestRemedyCommands(t *testing.T) {
	t.Parallel()
	oom := withTask(func(tk *ecstypes.Task) {
		tk.Containers = []ecstypes.Container{container("backend", ptr(int32(137)), "OutOfMemoryError: Container killed due to memory usage")}
	})
	tests := []struct {
		name string
		edit []func(*aws.ServiceSnapshot)
		opt  Options
		want map[string]string // action → command
	}{
		{"club, doubled CPU", nil, Options{Alias: "be", Prefix: "!"}, map[string]string{
			ActionScaleCPU: "!scale be cpu 1024", ActionAutoscaleOn: "!autoscale be on min 2 max 4 cpu 60", ActionFixSigterm: ""}},
		{"CPU capped by the limits", nil, Options{Alias: "be", Limits: Limits{MaxCPU: 768}}, map[string]string{
			ActionScaleCPU: "!scale be cpu 768", ActionAutoscaleOn: "!autoscale be on min 2 max 4 cpu 60", ActionFixSigterm: ""}},
		{"already at the CPU limit: advice only", nil, Options{Alias: "be", Limits: Limits{MaxCPU: 512}}, map[string]string{
			ActionScaleCPU: "", ActionAutoscaleOn: "!autoscale be on min 2 max 4 cpu 60", ActionFixSigterm: ""}},
		{"no alias: the service name, another prefix", []func(*aws.ServiceSnapshot){calm, oom}, Options{Prefix: "?"}, map[string]string{
			ActionScaleMemory: "?scale backend memory 2048"}},
		{"memory capped", []func(*aws.ServiceSnapshot){calm, oom}, Options{Alias: "be", Limits: Limits{MaxMemoryMiB: 1536}}, map[string]string{
			ActionScaleMemory: "!scale be memory 1536"}},
		{"grace from start-up: 2 × 125 s → 270 s", []func(*aws.ServiceSnapshot){calm, withTask(func(tk *ecstypes.Task) {
			tk.StartedAt = ptr(stopgAt.Add(-95 * time.Second))
		})}, Options{Alias: "be"}, map[string]string{ActionHealthcheckGrace: "!healthcheck be grace 270"}},
		{"grace at least 60 s", []func(*aws.ServiceSnapshot){calm, withTask(func(tk *ecstypes.Task) {
			tk.StartedAt = ptr(stopAt.Add(-20 * time.Second))
		})}, Options{Alias: "be"}, map[string]string{ActionHealthcheckGrace: "!healthcheck be grace 60"}},
		{"tight ELB check", []func(*aws.ServiceSnapshot){calm, func(s *aws.ServiceSnapshot) {
			g := &s.TargetGroups[0].Group
			g.HealthCheckTimeoutSeconds, g.HealthCheckIntervalSeconds, g.UnhealthyThresholdCount = ptr(int32(2)), ptr(int32(10)), ptr(int32(2))
		}}, Options{Alias: "be"}, map[string]string{
			ActionHealthcheckTimeout: "!healthcheck be timeout 5", ActionHealthcheckUnhealthy: "!healthcheck be unhealthy 6"}},
		{"unknown: read the logs", []func(*aws.ServiceSnapshot){calm, func(s *aws.ServiceSnapshot) { s.Service.Events = nil },
			withTask(func(tk *ecstypes.Task) { tk.StoppedReason, tk.StopCode = nil, "" })},
			Options{Alias: "be"}, map[string]string{ActionReadLogs: "!logs be"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := club()
			for _, e := range tc.edit {
				e(s)
			}
			d := Diagnose(s, tc.opt)
			got := map[string]string{}
			for _, r := range d.Remedies {
				got[r.Action] = r.Command
				if r.Why == "" {
					t.Errorf("remedy %s has no why", r.Action)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	d := Diagnose(club(), Options{Alias: "backend"})
	want := "The task was stopped after failing load-balancer health checks while running at 99 % of its CPU reservation; " +
		"it was not out of memory; the container did not exit on SIGTERM and was killed (exit 137)."
	if d.Verdict.Summary != want {
		t.Errorf("summary\n got %q\nwant %q", d.Verdict.Summary, want)
	}
	f := d.Figures
	got := []any{f.CPUReservedUnits, f.PeakCPUPercent, f.HostCPUPercent, f.StopSeconds, f.StopTimeout, f.CPUHighMinutes, *f.ExitCode, f.SuggestedCPU}
	if diff := cmp.Diff([]any{512, 99.0, 60.0, 32.0, 30, 9, int32(137), 1024}, got); diff != "" {
		t.Errorf("figures (-want +got):\n%s", diff)
	}
	if len(d.LastLogs) != 2 || len(d.Timeline) == 0 {
		t.Errorf("want 2 log lines and a timeline, got %d and %d", len(d.LastLogs), len(d.Timeline))
	}
	sources := map[string]bool{}
	for _, e := range d.Evidence {
		sources[e.Source] = true
	}
	for _, s := range []string{SourceTasks, SourceEvents, "cloudwatch:AWS/ECS/CPUUtilization", SourceLogs} {
		if !sources[s] {
			t.Errorf("no evidence from %s", s)
		}
	}
}

// TestNilEverywhere feeds the engine snapshots with the SDK's pointers left
// nil and slices empty: it must answer, never panic.
func TestNilEverywhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		snap *aws.ServiceSnapshot
	}{
		{"nil snapshot", nil},
		{"empty snapshot", &aws.ServiceSnapshot{}},
		{"bare tasks", &aws.ServiceSnapshot{Now: now, Stopped: []ecstypes.Task{{}, {StoppedAt: ptr(stopAt)},
			{StoppedAt: ptr(stopAt), StopCode: "EssentialContainerExited", Containers: []ecstypes.Container{{}, {ExitCode: ptr(int32(1))}}},
			{StoppedAt: ptr(stopAt), StoppedReason: ptr("Scaling activity initiated by (deployment ecs-svc/1)")},
			{StoppedAt: ptr(stopAt), StoppedReason: ptr("Task failed ELB health checks in (target-group x)")},
			{StoppedAt: ptr(stopAt), StoppedReason: ptr("Task failed container health checks")}},
			Service: ecstypes.Service{Events: []ecstypes.ServiceEvent{{}, {Message: ptr("x")}, {CreatedAt: ptr(now)},
				{CreatedAt: ptr(now), Message: ptr("(service ) has stopped 1 running tasks: (task )")}},
				Deployments: []ecstypes.Deployment{{}, {Status: ptr("PRIMARY")}, {RolloutState: "FAILED"}}},
			TargetGroups:      []aws.TargetGroup{{}},
			CapacityProviders: []ecstypes.CapacityProvider{{}, {AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{}}},
			TaskDefinitions:   map[string]ecstypes.TaskDefinition{"": {}},
			Metrics:           map[string]aws.Series{aws.MetricServiceCPUMax: {}, aws.MetricClusterCPURes: {Points: []aws.Sample{{}}}},
			Logs:              map[string][]aws.LogLine{"": nil},
		}},
		{"club with every pointer of the task cleared", func() *aws.ServiceSnapshot {
			s := club()
			s.Stopped[0] = ecstypes.Task{StoppedAt: ptr(stopAt), Containers: []ecstypes.Container{{}}}
			s.TaskDefinition = ecstypes.TaskDefinition{}
			s.TaskDefinitions = nil
			s.TargetGroups = []aws.TargetGroup{{}}
			s.Service.HealthCheckGracePeriodSeconds = nil
			s.Service.Deployments = []ecstypes.Deployment{{}}
			return s
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.snap, Options{})
			checkInvariants(t, d)
		})
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a := Diagnose(club(), Options{Alias: "backend"})
	for i := 0; i < 5; i++ {
		if diff := cmp.Diff(a, Diagnose(club(), Options{Alias: "backend"})); diff != "" {
			t.Fatalf("second run differs:\n%s", diff)
		}
	}
}
