package change

import (
	"context"
	"testing"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/store"
)

// TestReservationRule checks that the planner decides "is reservation
// scaling on?" by aws.Scaling, the rule why and the summary use, in the
// cases where its own rule disagreed with theirs: a step policy on a
// reservation alarm (why: on; `reservation off` found no policy) and a
// target tracking policy on instance CPU (why: off; placement said the
// group would add a host).
func TestReservationRule(t *testing.T) {
	step := func(w *world.World) {
		w.AutoScalingPolicies[0] = map[string]any{
			"AutoScalingGroupName": "codedang-ecs-asg", "PolicyName": "codedang-memoryreservation-high", "PolicyType": "StepScaling",
			"AdjustmentType": "ChangeInCapacity", "MetricAggregationType": "Average", "Enabled": true,
			"StepAdjustments": []any{map[string]any{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": int64(1)}},
			"Alarms":          []any{map[string]any{"AlarmName": "codedang-MemoryReservation-above-75"}},
		}
	}
	instanceCPU := func(w *world.World) {
		w.AutoScalingPolicies[0] = map[string]any{
			"AutoScalingGroupName": "codedang-ecs-asg", "PolicyName": "codedang-cpu", "PolicyType": "TargetTrackingScaling", "Enabled": true,
			"TargetTrackingConfiguration": map[string]any{"TargetValue": 60.0,
				"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ASGAverageCPUUtilization"}},
		}
	}
	cluster := Target{Cluster: "codedang"}
	backend := Target{Alias: "backend", Cluster: "codedang", Service: "backend"}
	tests := []struct {
		name    string
		edit    func(*world.World)
		req     Request
		plan    []string
		refused bool
		enabled any // the policy's Enabled once applied
	}{
		{name: "off turns off the step policy", edit: step, req: Request{Kind: KindReservationOff, Target: cluster},
			plan: []string{"policy `codedang-memoryreservation-high`: on → off"}, enabled: false},
		{name: "on with the step policy on is refused", edit: step, req: Request{Kind: KindReservationOn, Target: cluster},
			plan: []string{"already on: policy `codedang-memoryreservation-high`"}, refused: true},
		{name: "instance CPU tracking does not add a host for a task", edit: instanceCPU, req: Request{Kind: KindScaleCPU, Target: backend, Value: 2048},
			plan: []string{"its reservation scaling is off"}, refused: true},
		{name: "off with only instance CPU tracking is already off", edit: instanceCPU, req: Request{Kind: KindReservationOff, Target: cluster},
			plan: []string{"already off"}, refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "builtin:incident", withWorld(tt.edit))
			m := h.request(alice, tt.req)
			mustMention(t, m, tt.plan...)
			if tt.refused {
				if !m.Failed || len(m.Buttons) > 0 {
					t.Errorf("not refused:\n%s", allText(m))
				}
				return
			}
			id := pendingID(t, m)
			m = h.eng.Approve(context.Background(), ask(bob), id)
			if c := h.change(id); c.Status != store.StatusApplied {
				t.Fatalf("status %s:\n%s", c.Status, allText(m))
			}
			wantField(t, h.srv.World().AutoScalingPolicies[0], "Enabled", tt.enabled)
		})
	}
}
