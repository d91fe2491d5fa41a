package change

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/store"
)

var capacityTarget = Target{Alias: "worker", Cluster: "club", Service: "worker"}

// TestWriteFailures injects an AWS failure at each write step: the change
// fails with a message that says what happened, the lock is released, and
// a revision registered but not used is named.
func TestWriteFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		world  string
		fault  string
		req    Request
		want   []string
		writes map[string]int // mutating calls by operation
	}{
		{"register denied", fargateWorld, "ecs:RegisterTaskDefinition=accessdenied", scaleAPI,
			[]string{"Registering the new revision failed, so nothing was changed"},
			map[string]int{"RegisterTaskDefinition": 1, "UpdateService": 0}}, // never retried
		{"update after register fails", fargateWorld, "ecs:UpdateService=500", scaleAPI,
			[]string{"api:4 was registered, but ecs:UpdateService got no clear answer", "read the service again: api runs api:3, not api:4"},
			map[string]int{"RegisterTaskDefinition": 1}},
		{"update after register denied", fargateWorld, "ecs:UpdateService=accessdenied", scaleAPI,
			[]string{"api:4 was registered, but ecs:UpdateService failed", "No service uses api:4; api still runs api:3"},
			map[string]int{"RegisterTaskDefinition": 1, "UpdateService": 1}},
		{"asg policy fails", "builtin:incident", "autoscaling:PutScalingPolicy=500", reservationOn,
			[]string{"autoscaling:PutScalingPolicy got no clear answer", "read AWS again: the change is not in place"}, nil},
		{"register fails unclearly", fargateWorld, "ecs:RegisterTaskDefinition=503", scaleAPI,
			[]string{"Registering the new revision got no clear answer", "--family-prefix api"},
			map[string]int{"RegisterTaskDefinition": 1, "UpdateService": 0}},
		{"capacity provider denied", "testdata/capacity.yaml", "ecs:UpdateCapacityProvider=accessdenied",
			Request{Kind: KindReservationOn, Target: Target{Cluster: "club"}},
			[]string{"ecs:UpdateCapacityProvider failed", "access denied", "ecs:UpdateCapacityProvider"}, map[string]int{"UpdateCapacityProvider": 1}},
		{"service policy fails after target", fargateWorld, "application-autoscaling:PutScalingPolicy=500",
			Request{Kind: KindAutoscaleOn, Target: apiTarget, Min: 1, Max: 3, Percent: 60},
			[]string{"application-autoscaling:PutScalingPolicy failed after [application-autoscaling:RegisterScalableTarget] succeeded", "only partly applied"}, nil},
		{"target group fails", fargateWorld, "elasticloadbalancing:ModifyTargetGroup=500",
			Request{Kind: KindHCTimeout, Target: apiTarget, Value: 10},
			[]string{"elasticloadbalancing:ModifyTargetGroup got no clear answer", "the change is not in place"}, nil},
		{"target group denied", fargateWorld, "elasticloadbalancing:ModifyTargetGroup=accessdenied",
			Request{Kind: KindHCTimeout, Target: apiTarget, Value: 10},
			[]string{"elasticloadbalancing:ModifyTargetGroup failed, so nothing was changed"}, nil},
		{"grace throttled", fargateWorld, "ecs:UpdateService=throttle",
			Request{Kind: KindGrace, Target: apiTarget, Value: 60},
			[]string{"ecs:UpdateService failed, so nothing was changed"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.world, withFaults(t, tt.fault), withOptions(func(o *Options) {
				o.Services = append(o.Services, capacityTarget)
			}))
			id := pendingID(t, h.request(alice, tt.req))
			h.noMutations("plan")
			m := h.eng.Approve(context.Background(), ask(bob), id)
			mustBe(t, m, RefusalNone, store.StatusFailed)
			if m.Change.ID != id {
				t.Errorf("outcome about %q, want %q", m.Change.ID, id)
			}
			mustMention(t, m, tt.want...)
			c := h.change(id)
			if c.Status != store.StatusFailed || c.Error == "" {
				t.Errorf("status %s, error %q", c.Status, c.Error)
			}
			for op, n := range tt.writes {
				if got := h.count(op); got != n {
					t.Errorf("%s ×%d, want %d (%v)", op, got, n, h.mutations())
				}
			}
			if lock, _ := h.st.ServiceLock(c.Cluster, c.Service); lock != "" {
				t.Errorf("still locked by %s", lock)
			}
		})
	}
}

// TestStalePlan: the service changed between the plan and the approval
// (someone deployed by hand), so nothing is applied.
func TestStalePlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fargateWorld)
	ctx := context.Background()
	id := pendingID(t, h.request(alice, scaleAPI))

	td := describe(t, h, "api:3")
	in := &ecs.RegisterTaskDefinitionInput{Family: td.Family, ContainerDefinitions: td.ContainerDefinitions, Cpu: td.Cpu, Memory: td.Memory,
		NetworkMode: td.NetworkMode, RequiresCompatibilities: td.RequiresCompatibilities}
	out, err := h.clients.ECS.RegisterTaskDefinition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.clients.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: awssdk.String("lab"), Service: awssdk.String("api"),
		TaskDefinition: out.TaskDefinition.TaskDefinitionArn}); err != nil {
		t.Fatal(err)
	}
	before := len(h.mutations())

	m := h.eng.Approve(ctx, ask(bob), id)
	mustBe(t, m, RefusalNone, store.StatusFailed)
	if m.Plan.Outcome == nil || m.Plan.Outcome.ID != "error.stale" {
		t.Errorf("outcome %+v, want error.stale", m.Plan.Outcome)
	}
	mustMention(t, m, "The service changed since the plan (taskDefinition: api:3 → api:4), so nothing was applied. Ask again")
	if c := h.change(id); c.Status != store.StatusFailed {
		t.Errorf("status %s", c.Status)
	}
	if got := h.mutations()[before:]; len(got) > 0 {
		t.Errorf("the engine wrote %v after a stale plan", got)
	}
}

// TestLostAnswer: AWS carries out a write but its answer is lost (a 500).
// The engine reads AWS again instead of guessing: the new revision is in
// place, so the deployment is followed to its end; a setting in place is
// applied.
func TestLostAnswer(t *testing.T) {
	t.Run("deployment", func(t *testing.T) {
		h := newHarness(t, fargateWorld, withLostAnswers("UpdateService"))
		id := pendingID(t, h.request(alice, scaleAPI))
		o := h.eng.Approve(context.Background(), ask(bob), id)
		mustBe(t, o, RefusalNone, store.StatusApplied)
		if o.Plan.Outcome == nil || o.Plan.Outcome.ID != "outcome.steady" {
			t.Errorf("outcome %+v, want outcome.steady", o.Plan.Outcome)
		}
		if h.count("RegisterTaskDefinition") != 1 {
			t.Errorf("mutations %v", h.mutations())
		}
	})
	t.Run("setting", func(t *testing.T) {
		h := newHarness(t, fargateWorld, withLostAnswers("UpdateService"))
		id := pendingID(t, h.request(alice, Request{Kind: KindGrace, Target: apiTarget, Value: 90}))
		o := h.eng.Approve(context.Background(), ask(bob), id)
		mustBe(t, o, RefusalNone, store.StatusApplied)
	})
}

func TestOutcomeUnknown(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"call timeout", &aws.TimeoutError{After: time.Second, Err: context.DeadlineExceeded}, true},
		{"deadline", fmt.Errorf("sending: %w", context.DeadlineExceeded), true},
		{"connection reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"cut short", fmt.Errorf("reading the answer: %w", io.ErrUnexpectedEOF), true},
		{"server error", &smithy.GenericAPIError{Code: "InternalFailure", Fault: smithy.FaultServer}, true},
		{"throttled", &smithy.GenericAPIError{Code: "ThrottlingException", Fault: smithy.FaultClient}, false},
		{"denied", &smithy.GenericAPIError{Code: "AccessDeniedException", Fault: smithy.FaultClient}, false},
		{"plain", errors.New("invalid parameter"), false},
	}
	for _, tt := range tests {
		if got := outcomeUnknown(tt.err); got != tt.want {
			t.Errorf("%s: outcomeUnknown = %t, want %t", tt.name, got, tt.want)
		}
	}
}
