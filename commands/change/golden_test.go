package change

import (
	"context"
	"testing"

	"github.com/ecsmedic/ecsmedic/store"
)

// TestDryRunSendsNothing: a dry run plans, stores nothing, sends nothing,
// and hands out the requests an apply would send.
func TestDryRunSendsNothing(t *testing.T) {
	t.Parallel()
	reqs := []Request{
		scaleBackendCPU, reservationOn,
		{Kind: KindScaleMemory, Target: scaleBackendCPU.Target, Value: 2048},
		{Kind: KindScaleCount, Target: scaleBackendCPU.Target, Value: 2},
		{Kind: KindAutoscaleOn, Target: scaleBackendCPU.Target, Min: 1, Max: 3, Percent: 60},
		{Kind: KindGrace, Target: scaleBackendCPU.Target, Value: 120},
		{Kind: KindHCInterval, Target: scaleBackendCPU.Target, Value: 10},
		{Kind: KindRollback, Target: scaleBackendCPU.Target},
	}
	h := newHarness(t, "builtin:incident")
	for _, req := range reqs {
		o := h.eng.Request(context.Background(), Ask{Actor: alice, DryRun: true}, req)
		if !o.DryRun || o.Change.ID != "" || o.Pending() {
			t.Errorf("%s: dry run made change %q (pending %t)", req.Kind, o.Change.ID, o.Pending())
		}
		if o.Refused() != o.Plan.Refused() || (!o.Refused() && len(o.Requests) == 0) {
			t.Errorf("%s: refusal %q, %d requests", req.Kind, o.Refusal, len(o.Requests))
		}
	}
	h.noMutations("dry runs")
	if cs, _ := h.st.Changes(store.ChangeFilter{}); len(cs) > 0 {
		t.Errorf("dry runs stored %d changes", len(cs))
	}
}
