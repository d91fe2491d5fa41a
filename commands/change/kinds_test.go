package change

import (
	"context"
	"testing"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/store"
)

// TestKinds plans and applies each kind of change against a small world
// and checks the world afterwards. A refused plan asks for no approval.
func TestKinds(t *testing.T) {
	t.Parallel()
	incident, capacity := "builtin:incident", "testdata/capacity.yaml"
	backend := Target{Alias: "backend", Cluster: "codedang", Service: "backend"}
	tests := []struct {
		name    string
		world   string
		edit    func(*world.World) // of the world before it is served
		req     Request
		plan    []string                       // the plan mentions
		refused bool                           // the plan is refused
		after   func(*testing.T, *world.World) // the world once applied
	}{
		{name: "rollback to the previous revision", world: fargateWorld, req: Request{Kind: KindRollback, Target: apiTarget},
			plan: []string{"api:3` → `api:2`", "task memory: 1024 → 512", "api:1.1 → 111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/api:1.0", "api:2 exists and is ACTIVE"},
			after: func(t *testing.T, w *world.World) {
				wantField(t, service(w, "api"), "taskDefinition", "arn:aws:ecs:ap-northeast-2:111122223333:task-definition/api:2")
			}},
		{name: "rollback to a deregistered revision", world: fargateWorld, req: Request{Kind: KindRollback, Target: apiTarget, Value: 1},
			plan: []string{"api:1 is inactive (deregistered)"}, refused: true},
		{name: "rollback to a missing revision", world: fargateWorld, req: Request{Kind: KindRollback, Target: apiTarget, Value: 9},
			plan: []string{"api:9 does not exist"}, refused: true},
		{name: "rollback to the current revision", world: fargateWorld, req: Request{Kind: KindRollback, Target: apiTarget, Value: 3},
			plan: []string{"already runs api:3"}, refused: true},
		{name: "count under auto scaling", world: fargateWorld, req: Request{Kind: KindScaleCount, Target: webTarget, Value: 3},
			plan: []string{"Application Auto Scaling controls the desired count (1–4)", "`!autoscale web on min N max M cpu PCT`"}, refused: true},
		{name: "count", world: fargateWorld, req: Request{Kind: KindScaleCount, Target: apiTarget, Value: 2},
			plan:  []string{"desired count: 1 → 2", "Fargate"},
			after: func(t *testing.T, w *world.World) { wantField(t, service(w, "api"), "runningCount", int64(2)) }},
		{name: "fargate pair", world: fargateWorld, req: Request{Kind: KindScaleMemory, Target: apiTarget, Value: 3072},
			plan: []string{"Fargate has no 256 CPU / 3072 MiB size", "512–2048 MiB"}, refused: true},
		{name: "limits step", world: fargateWorld, req: Request{Kind: KindScaleCPU, Target: apiTarget, Value: 300},
			plan: []string{"300 units is outside the allowed 256–4096 in steps of 256"}, refused: true},
		{name: "autoscale on", world: fargateWorld, req: Request{Kind: KindAutoscaleOn, Target: apiTarget, Min: 1, Max: 3, Percent: 60},
			plan: []string{"none → min 1, max 3", "none → keep average CPU at 60 %"},
			after: func(t *testing.T, w *world.World) {
				if len(w.ScalableTargets) != 2 || len(w.ScalingPolicies) != 2 {
					t.Errorf("targets %d, policies %d", len(w.ScalableTargets), len(w.ScalingPolicies))
				}
			}},
		{name: "autoscale change", world: fargateWorld, req: Request{Kind: KindAutoscaleOn, Target: webTarget, Min: 2, Max: 6, Percent: 60},
			plan: []string{"min 1, max 4 → min 2, max 6", "`web-cpu70`: average CPU target 70 % → 60 %"}},
		{name: "autoscale off", world: fargateWorld, req: Request{Kind: KindAutoscaleOff, Target: webTarget},
			plan: []string{"policy `web-cpu70` → deleted", "the desired count stays at 2"},
			after: func(t *testing.T, w *world.World) {
				if len(w.ScalableTargets) != 0 || len(w.ScalingPolicies) != 0 {
					t.Errorf("targets %v, policies %v", w.ScalableTargets, w.ScalingPolicies)
				}
			}},
		{name: "autoscale already off", world: fargateWorld, req: Request{Kind: KindAutoscaleOff, Target: apiTarget},
			plan: []string{"no auto scaling to turn off"}, refused: true},
		{name: "grace", world: fargateWorld, req: Request{Kind: KindGrace, Target: apiTarget, Value: 120},
			plan: []string{"healthCheckGracePeriodSeconds: 30 → 120"},
			after: func(t *testing.T, w *world.World) {
				wantField(t, service(w, "api"), "healthCheckGracePeriodSeconds", int64(120))
			}},
		{name: "grace over the limit", world: fargateWorld, req: Request{Kind: KindGrace, Target: apiTarget, Value: 900},
			plan: []string{"900 s is outside 0–600 s"}, refused: true},
		{name: "health check timeout", world: fargateWorld, req: Request{Kind: KindHCTimeout, Target: apiTarget, Value: 10},
			plan: []string{"target group `lab-api` timeout: 5 → 10 s"},
			after: func(t *testing.T, w *world.World) {
				wantField(t, w.TargetGroups[0], "HealthCheckTimeoutSeconds", int64(10))
			}},
		{name: "timeout not below interval", world: fargateWorld, req: Request{Kind: KindHCTimeout, Target: apiTarget, Value: 30},
			plan: []string{"the timeout (30 s) must be shorter than the interval (30 s)"}, refused: true},
		{name: "unhealthy threshold", world: fargateWorld, req: Request{Kind: KindHCUnhealthy, Target: apiTarget, Value: 3},
			plan: []string{"unhealthy threshold: 2 → 3 failed checks", "after about 90 s"},
			after: func(t *testing.T, w *world.World) {
				wantField(t, w.TargetGroups[0], "UnhealthyThresholdCount", int64(3))
			}},
		{name: "grace without a load balancer", world: fargateWorld, req: Request{Kind: KindGrace, Target: webTarget, Value: 60},
			plan: []string{"`web` has no load balancer"}, refused: true},
		{name: "never fits any instance", world: incident, req: Request{Kind: KindScaleCPU, Target: backend, Value: 4096},
			plan: []string{"no instance can ever hold it: the largest registers only 2048 units"}, refused: true},
		{name: "reservation already off", world: incident, req: Request{Kind: KindReservationOff, Target: Target{Cluster: "codedang"}},
			plan: []string{"already off"}, refused: true},
		{name: "reservation on with a new target", world: incident, req: Request{Kind: KindReservationOn, Target: Target{Cluster: "codedang"}, Percent: 60},
			plan: []string{"off → on", "target 75 % → 60 %"},
			after: func(t *testing.T, w *world.World) {
				wantField(t, w.AutoScalingPolicies[0], "Enabled", true)
				wantField(t, w.AutoScalingPolicies[0]["TargetTrackingConfiguration"].(map[string]any), "TargetValue", 60.0)
			}},
		// Reservation scaling is aws.Scaling's rule, the one why and the
		// summary use. Where the planner's own rule disagreed: a step
		// policy on a reservation alarm (why: on; off found no policy)
		// and target tracking on instance CPU (why: off; placement said
		// the group would add a host).
		{name: "reservation off turns off a step policy", world: incident, edit: reservationStepPolicy, req: Request{Kind: KindReservationOff, Target: Target{Cluster: "codedang"}},
			plan:  []string{"policy `codedang-memoryreservation-high`: on → off"},
			after: func(t *testing.T, w *world.World) { wantField(t, w.AutoScalingPolicies[0], "Enabled", false) }},
		{name: "reservation on with a step policy on", world: incident, edit: reservationStepPolicy, req: Request{Kind: KindReservationOn, Target: Target{Cluster: "codedang"}},
			plan: []string{"already on: policy `codedang-memoryreservation-high`"}, refused: true},
		{name: "instance CPU tracking adds no host for a task", world: incident, edit: instanceCPUPolicy, req: Request{Kind: KindScaleCPU, Target: backend, Value: 2048},
			plan: []string{"its reservation scaling is off"}, refused: true},
		{name: "instance CPU tracking is no reservation scaling to turn off", world: incident, edit: instanceCPUPolicy, req: Request{Kind: KindReservationOff, Target: Target{Cluster: "codedang"}},
			plan: []string{"already off"}, refused: true},
		{name: "capacity provider on", world: capacity, req: Request{Kind: KindReservationOn, Target: Target{Cluster: "club"}},
			plan: []string{"capacity provider `club-cp` managed scaling: DISABLED → ENABLED", "`club-asg` has 1 instance(s) and may grow to 3"},
			after: func(t *testing.T, w *world.World) {
				ms := w.CapacityProviders[0]["autoScalingGroupProvider"].(map[string]any)["managedScaling"].(map[string]any)
				wantField(t, ms, "status", "ENABLED")
			}},
		{name: "capacity provider off blocks growth", world: capacity, req: Request{Kind: KindScaleCPU, Target: capacityTarget, Value: 1024},
			plan: []string{"capacity provider `club-cp` will not add an instance: its managed scaling is off"}, refused: true},
		{name: "container-level memory", world: capacity, req: Request{Kind: KindScaleMemory, Target: capacityTarget, Value: 1024},
			plan: []string{"container `worker` memory: 768 → 1280", "container `worker` memoryReservation: 512 → 1024", "fit now"},
			after: func(t *testing.T, w *world.World) {
				wantField(t, service(w, "worker"), "taskDefinition", "arn:aws:ecs:ap-northeast-2:111122223333:task-definition/worker:6")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.world, withWorld(tt.edit), withOptions(func(o *Options) { o.Services = append(o.Services, capacityTarget) }))
			m := h.request(alice, tt.req)
			mustMention(t, m, tt.plan...)
			h.noMutations("plan")
			if tt.refused {
				if m.Refusal != RefusalCheckFailed || m.Change.ID != "" {
					t.Errorf("not refused (%q):\n%s", m.Refusal, said(m))
				}
				return
			}
			id := pendingID(t, m)
			m = h.eng.Approve(context.Background(), ask(bob), id)
			if c := h.change(id); c.Status != store.StatusApplied {
				t.Fatalf("status %s:\n%s", c.Status, said(m))
			}
			if tt.after != nil {
				tt.after(t, h.srv.World())
			}
		})
	}
}

// reservationStepPolicy makes the incident's policy step scaling on a
// MemoryReservation alarm, enabled.
func reservationStepPolicy(w *world.World) {
	w.AutoScalingPolicies[0] = map[string]any{
		"AutoScalingGroupName": "codedang-ecs-asg", "PolicyName": "codedang-memoryreservation-high", "PolicyType": "StepScaling",
		"AdjustmentType": "ChangeInCapacity", "MetricAggregationType": "Average", "Enabled": true,
		"StepAdjustments": []any{map[string]any{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": int64(1)}},
		"Alarms":          []any{map[string]any{"AlarmName": "codedang-MemoryReservation-above-75"}},
	}
}

// instanceCPUPolicy makes the incident's policy target tracking on the
// instances' average CPU, enabled.
func instanceCPUPolicy(w *world.World) {
	w.AutoScalingPolicies[0] = map[string]any{
		"AutoScalingGroupName": "codedang-ecs-asg", "PolicyName": "codedang-cpu", "PolicyType": "TargetTrackingScaling", "Enabled": true,
		"TargetTrackingConfiguration": map[string]any{"TargetValue": 60.0,
			"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ASGAverageCPUUtilization"}},
	}
}

func TestCapacityProviderThenScale(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "testdata/capacity.yaml", withOptions(func(o *Options) { o.Services = []Target{capacityTarget} }))
	ctx := context.Background()
	id := pendingID(t, h.request(alice, Request{Kind: KindReservationOn, Target: Target{Cluster: "club"}}))
	h.eng.Approve(ctx, ask(bob), id)
	m := h.request(alice, Request{Kind: KindScaleCPU, Target: capacityTarget, Value: 1024})
	mustMention(t, m, "container `worker` cpu: 512 → 1024", "can be placed once capacity provider `club-cp` adds an instance: managed scaling is on, max 3")
	pendingID(t, m)
}

func service(w *world.World, name string) world.Object {
	for _, s := range w.Services {
		if s["serviceName"] == name {
			return s
		}
	}
	return nil
}

func wantField(t *testing.T, o map[string]any, key string, want any) {
	t.Helper()
	if got := o[key]; got != want {
		t.Errorf("%s = %#v, want %#v", key, got, want)
	}
}
