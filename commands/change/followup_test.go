package change

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/store"
)

// TestFollowUpTimeout: the group never adds the host (its Launch process
// is suspended), so the new task waits; after 15 minutes the change fails
// and offers the rollback.
func TestFollowUpTimeout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "builtin:incident", withWorld(suspendLaunch))
	ctx := context.Background()
	h.eng.Approve(ctx, ask(bob), pendingID(t, h.request(alice, reservationOn)))
	id := pendingID(t, h.request(alice, scaleBackendCPU))
	start := h.clock()
	m := h.eng.Approve(ctx, ask(bob), id)
	mustBe(t, m, RefusalNone, store.StatusFailed)
	mustMention(t, m, "`backend` was not steady after 15 min")
	if !m.Plan.Rollback || m.Plan.Revision != "backend:42" {
		t.Errorf("rollback offered %t to %q, want backend:42", m.Plan.Rollback, m.Plan.Revision)
	}
	if d := h.clock().Sub(start); d < 15*time.Minute || d > 16*time.Minute {
		t.Errorf("followed for %s", d)
	}
	last := h.updates[len(h.updates)-1]
	mustMention(t, last, "backend:43: 0/1 running", "unable to place a task")
	if h.count("UpdateService") != 1 {
		t.Errorf("mutations %v", h.mutations())
	}
}

// TestFollowUpCircuitBreaker: the circuit breaker fails the deployment and
// rolls it back; the change fails and offers a rollback to the old one.
func TestFollowUpCircuitBreaker(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "testdata/capacity.yaml",
		withOptions(func(o *Options) { o.Services = []Target{capacityTarget} }),
		withWorld(func(w *world.World) {
			svc := service(w, "worker")
			svc["deploymentConfiguration"] = map[string]any{"maximumPercent": int64(200), "minimumHealthyPercent": int64(100),
				"deploymentCircuitBreaker": map[string]any{"enable": true, "rollback": true}}
			ms := w.CapacityProviders[0]["autoScalingGroupProvider"].(map[string]any)["managedScaling"].(map[string]any)
			ms["status"] = "ENABLED"
			suspendLaunch(w)
		}))
	id := pendingID(t, h.request(alice, Request{Kind: KindScaleCPU, Target: capacityTarget, Value: 1024}))
	m := h.eng.Approve(context.Background(), ask(bob), id)
	mustBe(t, m, RefusalNone, store.StatusFailed)
	mustMention(t, m, "The deployment of `worker` failed")
	if !m.Plan.Rollback || m.Plan.Revision != "worker:5" {
		t.Errorf("rollback offered %t to %q, want worker:5", m.Plan.Rollback, m.Plan.Revision)
	}
	if got := said(m); !strings.Contains(got, "circuit breaker") && !strings.Contains(got, "now runs worker:5") {
		t.Errorf("the reason is not the breaker: %s", got)
	}
}

// suspendLaunch stops the world's Auto Scaling groups from adding hosts,
// so that a task waiting for room keeps waiting.
func suspendLaunch(w *world.World) {
	for _, g := range w.AutoScalingGroups {
		g["SuspendedProcesses"] = []any{map[string]any{"ProcessName": "Launch", "SuspensionReason": "User suspended at 2024-04-17T04:00:00Z"}}
	}
}
