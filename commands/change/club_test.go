package change

import (
	"context"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/store"
)

var scaleBackendCPU = Request{Kind: KindScaleCPU, Target: Target{Alias: "backend", Cluster: "codedang", Service: "backend"}, Value: 1024}
var reservationOn = Request{Kind: KindReservationOn, Target: Target{Cluster: "codedang"}}

// TestClubFix is the club's fix after the backend-137 incident, end to end:
// more CPU is refused while the cluster cannot grow; reservation scaling
// is turned on and applied; then more CPU plans, the group adds a host,
// another member approves, a faithful new revision is registered, the
// service is updated and followed to a steady state.
func TestClubFix(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "builtin:incident")
	ctx := context.Background()

	// 1. More CPU cannot be placed: no instance has 1024 units free and
	// the group's reservation scaling is off.
	m := h.request(alice, scaleBackendCPU)
	if m.Refusal != RefusalCheckFailed || m.Change.ID != "" {
		t.Fatalf("scale cpu 1024 was not refused (%q):\n%s", m.Refusal, said(m))
	}
	mustMention(t, m, "no container instance has 1024 CPU units", "128 units", "codedang-ecs-asg",
		"reservation scaling is off", "`!reservation on` first")
	h.noMutations("refused plan")

	// 2. reservation on: the group's disabled CPUReservation policy is
	// turned back on.
	m = h.request(alice, reservationOn)
	id := pendingID(t, m)
	mustMention(t, m, "codedang-cpureservation-target-tracking", "off → on", "autoscaling:PutScalingPolicy")
	h.noMutations("reservation plan")
	m = h.eng.Approve(ctx, ask(bob), id)
	if c := h.change(id); c.Status != store.StatusApplied {
		t.Fatalf("reservation on: status %s:\n%s", c.Status, said(m))
	}
	if got := h.mutations(); !cmp.Equal(got, []string{"PutScalingPolicy"}) {
		t.Errorf("reservation on sent %v", got)
	}
	pol := h.srv.World().AutoScalingPolicies[0]
	if pol["Enabled"] != true {
		t.Errorf("the policy is not enabled: %v", pol["Enabled"])
	}
	if tt, _ := pol["TargetTrackingConfiguration"].(map[string]any); tt["TargetValue"] != 75.0 {
		t.Errorf("target changed: %v", tt)
	}

	// 3. Now the plan passes: the group can add an instance.
	h.srv.ResetCalls()
	m = h.request(alice, scaleBackendCPU)
	id = pendingID(t, m)
	mustMention(t, m, "backend:42` → `backend:43`", "task cpu: 512 → 1024", "every other field unchanged",
		"can be placed once the Auto Scaling group `codedang-ecs-asg` adds an instance: scaling is on, max 3 (now 2)")
	h.noMutations("scale plan")

	// 4. The group adds a host before the approval (CPUReservation ~95 %
	// is above the 75 % target). The frozen simulator would add it only
	// once the new task waits (TestDemoWholeFix plays that); here the
	// world gets the third t3.medium now, and the simulator serves it.
	next := h.srv.World()
	addInstance(t, next)
	h.serve(next)

	// 5. Approved by someone else: applied and followed to steady.
	m = h.eng.Approve(ctx, ask(bob), id)
	c := h.change(id)
	if c.Status != store.StatusApplied {
		t.Fatalf("status %s:\n%s", c.Status, said(m))
	}
	mustMention(t, m, "steady on backend:43, 1/1 tasks running")
	mustBe(t, m, RefusalNone, store.StatusApplied)
	if m.Change.ApprovedByName != "bob" {
		t.Errorf("approved by %q, want bob", m.Change.ApprovedByName)
	}
	if got, want := h.mutations(), []string{"RegisterTaskDefinition", "UpdateService"}; !cmp.Equal(got, want) {
		t.Errorf("apply sent %v, want %v", got, want)
	}
	if len(h.updates) == 0 {
		t.Error("no progress update while following the deployment")
	}

	// Every field of backend:43 is backend:42's but the CPU.
	old := describe(t, h, "backend:42")
	neu := describe(t, h, "backend:43")
	if awssdk.ToString(neu.Cpu) != "1024" {
		t.Errorf("cpu = %s", awssdk.ToString(neu.Cpu))
	}
	ignore := cmpopts.IgnoreFields(ecstypes.TaskDefinition{}, "TaskDefinitionArn", "Revision", "Cpu", "RegisteredAt", "RegisteredBy",
		"Compatibilities") // computed by AWS from the rest
	if d := cmp.Diff(old, neu, ignore, cmpopts.IgnoreUnexported(ecstypes.TaskDefinition{}, ecstypes.ContainerDefinition{},
		ecstypes.KeyValuePair{}, ecstypes.PortMapping{}, ecstypes.LogConfiguration{})); d != "" {
		t.Errorf("backend:43 is not a faithful copy (-42 +43):\n%s", d)
	}
	if got := h.events(); !cmp.Equal(got, []string{"refused", "requested", "approved", "applied", "requested", "approved", "registered", "applied"}) {
		t.Errorf("audit events %v", got)
	}
	if lock, _ := h.st.ServiceLock("codedang", "backend"); lock != "" {
		t.Errorf("backend still locked by %s", lock)
	}
}

func describe(t *testing.T, h *harness, rev string) ecstypes.TaskDefinition {
	t.Helper()
	out, err := h.clients.ECS.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: awssdk.String(rev)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.TaskDefinition
}

// addInstance is what the Auto Scaling group does when it scales out: a
// third t3.medium joins the cluster, empty.
func addInstance(t *testing.T, w *world.World) {
	t.Helper()
	ci := world.Object{
		"containerInstanceArn": "arn:aws:ecs:ap-northeast-2:111122223333:container-instance/codedang/0123456789abcdef0123456789abcdef",
		"ec2InstanceId":        "i-0a1b2c3d4e5f60718", "status": "ACTIVE", "agentConnected": true,
		"runningTasksCount": int64(0), "pendingTasksCount": int64(0),
		"remainingResources":  []any{map[string]any{"name": "CPU", "type": "INTEGER", "integerValue": int64(2048)}, map[string]any{"name": "MEMORY", "type": "INTEGER", "integerValue": int64(3904)}},
		"registeredResources": []any{map[string]any{"name": "CPU", "type": "INTEGER", "integerValue": int64(2048)}, map[string]any{"name": "MEMORY", "type": "INTEGER", "integerValue": int64(3904)}},
	}
	w.ContainerInstances = append(w.ContainerInstances, ci)
	g := w.AutoScalingGroups[0]
	g["DesiredCapacity"] = int64(3)
	g["Instances"] = append(g["Instances"].([]any), map[string]any{"InstanceId": "i-0a1b2c3d4e5f60718", "InstanceType": "t3.medium",
		"AvailabilityZone": "ap-northeast-2a", "LifecycleState": "InService", "HealthStatus": "Healthy"})
}
