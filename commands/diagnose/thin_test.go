package diagnose_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
)

// thinView is what a diagnosis from thin evidence is judged by.
type thinView struct {
	Cause, Confidence string
	Contributing      []string
	Placement         string
	Missing           []string // the diagnosis's own codes, not the gather's reads
}

// TestThinEvidence plays captures that lack what the rules like to lean on
// (a stop code, an exit code, metrics, the host that went away): the stop
// reason's wording and the service events still name the cause they name,
// less surely, and the answer lists what was missing.
func TestThinEvidence(t *testing.T) {
	t.Parallel()
	const hostWorld, placeWorld = "host-terminated", "placement-cpu-full"
	tests := []struct {
		name, world, service string
		reason               string // the stopped tasks' only reason, with no stop or exit code
		silent               bool   // the stopped tasks say nothing at all
		edit                 func(w *world.World)
		want                 thinView
	}{
		{
			name: "ELB reason, no stop code, no metrics", world: hostWorld, service: "runner-api",
			reason: "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/runner-api-tg/88cb52ed89e574ee)",
			edit:   func(w *world.World) { w.Metrics = nil },
			want: thinView{Cause: diagnose.CauseELBHealthCheck, Confidence: diagnose.ConfidenceHigh,
				Missing: []string{"no-cpu-metrics"}},
		},
		{
			name: "OOM only in the pasted stop reason", world: hostWorld, service: "runner-api",
			reason: "OutOfMemoryError: Container killed due to memory usage",
			want:   thinView{Cause: diagnose.CauseOOMKilled, Confidence: diagnose.ConfidenceMedium},
		},
		{
			name: "Fargate Spot message without a stop code", world: hostWorld, service: "runner-api",
			reason: "Your Spot Task was interrupted.",
			want: thinView{Cause: diagnose.CauseSpotInterruption, Confidence: diagnose.ConfidenceMedium,
				Missing: []string{"no-stop-code"}},
		},
		{
			name: "Task stopped by user without a stop code", world: hostWorld, service: "runner-api",
			reason: "Task stopped by user",
			want: thinView{Cause: diagnose.CauseUserStopped, Confidence: diagnose.ConfidenceMedium,
				Missing: []string{"no-stop-code"}},
		},
		{
			name: "essential container exited, no stop code, no exit code", world: hostWorld, service: "runner-api",
			reason: "Essential container in task exited",
			want: thinView{Cause: diagnose.CauseAppCrash, Confidence: diagnose.ConfidenceLow,
				Missing: []string{"no-exit-code"}},
		},
		{
			name: "CannotPullContainerError without a stop code", world: hostWorld, service: "runner-api",
			reason: "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found",
			want:   thinView{Cause: diagnose.CauseImagePullFailed, Confidence: diagnose.ConfidenceHigh},
		},
		{
			name: "Host EC2 terminated, no stop code, the instance deregistered", world: hostWorld, service: "runner-api",
			reason: "Host EC2 (instance i-05363deac7f7ead41) terminated.",
			edit:   dropInstanceOf,
			want:   thinView{Cause: diagnose.CauseHostTerminated, Confidence: diagnose.ConfidenceHigh},
		},
		{
			name: "a silent task whose host is gone", world: hostWorld, service: "runner-api",
			silent: true,
			edit:   dropInstanceOf,
			want: thinView{Cause: diagnose.CauseHostTerminated, Confidence: diagnose.ConfidenceLow,
				Missing: []string{"host-gone"}},
		},
		{
			name: "a silent task on a live host stays unknown", world: hostWorld, service: "runner-api",
			silent: true,
			want: thinView{Cause: diagnose.CauseUnknown, Confidence: diagnose.ConfidenceLow,
				Missing: []string{"no-stop-reason"}},
		},
		{
			name: "placement: insufficient CPU with scaling off", world: placeWorld, service: "api",
			want: thinView{Cause: diagnose.CausePlacementFailed, Confidence: diagnose.ConfidenceHigh, Placement: diagnose.PlacementCPU,
				Contributing: []string{diagnose.FactorClusterCPUFull, diagnose.FactorScalingDisabled}},
		},
		{
			name: "placement: no container instances, scaling off", world: placeWorld, service: "api",
			edit: func(w *world.World) {
				placeMessage(w, "(service api) was unable to place a task. Reason: No Container Instances were found in your cluster.")
				w.Metrics = nil
			},
			want: thinView{Cause: diagnose.CausePlacementFailed, Confidence: diagnose.ConfidenceHigh, Placement: diagnose.PlacementNoInstances,
				Contributing: []string{diagnose.FactorScalingDisabled}},
		},
		{
			name: "placement: a port conflict is not scaling-disabled", world: placeWorld, service: "api",
			edit: func(w *world.World) {
				placeMessage(w, "(service api) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance 8de41439be587f6e1a6439a9afe1b012) is already using a port required by your task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
				w.Metrics = nil
			},
			want: thinView{Cause: diagnose.CausePlacementFailed, Confidence: diagnose.ConfidenceHigh, Placement: diagnose.PlacementPorts},
		},
		{
			name: "placement: a missing attribute is not scaling-disabled", world: placeWorld, service: "api",
			edit: func(w *world.World) {
				placeMessage(w, "(service api) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance 8de41439be587f6e1a6439a9afe1b012) is missing an attribute required by your task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
				w.Metrics = nil
			},
			want: thinView{Cause: diagnose.CausePlacementFailed, Confidence: diagnose.ConfidenceHigh, Placement: diagnose.PlacementAttribute},
		},
		{
			name: "placement: a quota is not scaling-disabled", world: placeWorld, service: "api",
			edit: func(w *world.World) {
				placeMessage(w, "(service api) was unable to place a task. Reason: You've reached the limit on the number of tasks you can run concurrently. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
				w.Metrics = nil
			},
			want: thinView{Cause: diagnose.CausePlacementFailed, Confidence: diagnose.ConfidenceHigh, Placement: diagnose.PlacementQuota},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := world.Load(filepath.Join("testdata", "scenarios", tt.world+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.reason != "" || tt.silent {
				stopWith(w, "", tt.reason)
			}
			if tt.edit != nil {
				tt.edit(w)
			}
			d := diagnoseWorld(t, w, tt.service)
			got := thinView{Cause: d.Verdict.Cause, Confidence: d.Verdict.Confidence, Placement: d.Figures.Placement}
			if len(d.Verdict.Contributing) > 0 {
				got.Contributing = d.Verdict.Contributing
			}
			for _, m := range d.Missing {
				// The diagnosis's own findings, not failed reads; the worlds
				// hold no log lines at all.
				if m.Source == "" && m.Code != "no-logs" {
					got.Missing = append(got.Missing, string(m.Code))
				}
			}
			slices.Sort(got.Missing)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnosis (-want +got):\n%s\nsummary: %s\nevidence: %v", diff, d.Verdict.Summary, d.Evidence)
			}
		})
	}
}

// stopWith gives the world's stopped tasks a stop code and reason ("" drops
// them) and takes their exit codes away, as thin captures have them. Every
// host is live again; dropInstanceOf takes one away.
func stopWith(w *world.World, code, reason string) {
	for _, ci := range w.ContainerInstances {
		ci["status"] = "ACTIVE"
	}
	for _, t := range w.Tasks {
		if t["desiredStatus"] != "STOPPED" {
			continue
		}
		set(t, "stopCode", code)
		set(t, "stoppedReason", reason)
		if cs, ok := t["containers"].([]any); ok {
			for _, c := range cs {
				if m, ok := c.(map[string]any); ok {
					delete(m, "exitCode")
					delete(m, "reason")
				}
			}
		}
	}
}

// dropInstanceOf removes the stopped tasks' container instances from the
// world, as AWS forgets a deregistered one.
func dropInstanceOf(w *world.World) {
	gone := map[any]bool{}
	for _, t := range w.Tasks {
		if t["desiredStatus"] == "STOPPED" {
			gone[t["containerInstanceArn"]] = true
		}
	}
	w.ContainerInstances = slices.DeleteFunc(w.ContainerInstances, func(ci world.Object) bool { return gone[ci["containerInstanceArn"]] })
}

// placeMessage rewrites the world's placement events.
func placeMessage(w *world.World, msg string) {
	for _, s := range w.Services {
		evs, _ := s["events"].([]any)
		for _, e := range evs {
			if m, ok := e.(map[string]any); ok {
				if txt, _ := m["message"].(string); strings.Contains(txt, "was unable to place a task") {
					m["message"] = msg
				}
			}
		}
	}
}

func set(o world.Object, k, v string) {
	if v == "" {
		delete(o, k)
		return
	}
	o[k] = v
}
