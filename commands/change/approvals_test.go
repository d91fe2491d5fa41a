package change

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

var frank = Actor{ID: "600", Name: "frank", Roles: []string{"ops", "approvers"}}

// TestTwoPersonApproval: with requireApprovers 2 a change waits for two
// different approvers, never the requester (even with selfApprove), and
// only the second approval applies it, once.
func TestTwoPersonApproval(t *testing.T) {
	t.Parallel()
	type step struct {
		who         Actor
		action      string // approve or reject
		wantRefusal Refusal
		wantStatus  store.Status
		wantCount   int // approvals recorded after the step
	}
	tests := []struct {
		name   string
		selfOK bool
		steps  []step
	}{
		{"two approvers apply it", false, []step{
			{bob, "approve", RefusalNone, store.StatusPending, 1},
			{carol, "approve", RefusalNone, store.StatusApplied, 2},
		}},
		{"the requester never counts", true, []step{
			{alice, "approve", RefusalSelfApproval, store.StatusPending, 0},
			{bob, "approve", RefusalNone, store.StatusPending, 1},
			{alice, "approve", RefusalSelfApproval, store.StatusPending, 1},
		}},
		{"the same approver twice counts once", false, []step{
			{bob, "approve", RefusalNone, store.StatusPending, 1},
			{bob, "approve", RefusalApprovedAlready, store.StatusPending, 1},
			{carol, "approve", RefusalNone, store.StatusApplied, 2},
		}},
		{"a non-approver adds nothing", false, []step{
			{dave, "approve", RefusalNotApprover, store.StatusPending, 0},
			{bob, "approve", RefusalNone, store.StatusPending, 1},
		}},
		{"a reject after one approval ends it", false, []step{
			{bob, "approve", RefusalNone, store.StatusPending, 1},
			{carol, "reject", RefusalNone, store.StatusRejected, 1},
			{frank, "approve", RefusalDecided, store.StatusRejected, 1},
		}},
		{"the terminal is one approver", false, []step{
			{tty, "approve", RefusalNone, store.StatusPending, 1},
			{tty, "approve", RefusalApprovedAlready, store.StatusPending, 1},
			{bob, "approve", RefusalNone, store.StatusApplied, 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fargateWorld, withOptions(func(o *Options) { o.SelfApprove, o.RequireApprovers = tt.selfOK, 2 }))
			ctx := context.Background()
			first := h.request(alice, scaleAPI)
			id := pendingID(t, first)
			if first.Change.RequireApprovers != 2 {
				t.Fatalf("the plan needs %d approvals, want 2", first.Change.RequireApprovers)
			}
			for i, st := range tt.steps {
				var o Outcome
				if st.action == "reject" {
					o = h.eng.Reject(ctx, ask(st.who), id)
				} else {
					o = h.eng.Approve(ctx, ask(st.who), id)
				}
				c := h.change(id)
				if o.Refusal != st.wantRefusal || c.Status != st.wantStatus || len(c.Approvals) != st.wantCount {
					t.Fatalf("step %d (%s %s): refusal %q, status %s, %d approvals; want %q, %s, %d",
						i, st.who.Name, st.action, o.Refusal, c.Status, len(c.Approvals), st.wantRefusal, st.wantStatus, st.wantCount)
				}
				if st.wantStatus == store.StatusPending && o.Refusal == RefusalNone && !o.Pending() {
					t.Errorf("step %d: a counted approval does not answer with the plan still waiting", i)
				}
			}
			last := tt.steps[len(tt.steps)-1]
			if last.wantStatus == store.StatusApplied {
				if h.count("RegisterTaskDefinition") != 1 || h.count("UpdateService") != 1 {
					t.Errorf("mutations %v, want one RegisterTaskDefinition and one UpdateService", h.mutations())
				}
				if got := h.events(); !slices.Contains(got, "approval") || !slices.Contains(got, "approved") {
					t.Errorf("audit %v, want an approval and an approved record", got)
				}
				return
			}
			h.noMutations(tt.name)
		})
	}
}

// TestTwoPersonApprovalRace: two approvers press Approve at the same
// moment on a change that has one approval: both are counted, and the
// change is applied exactly once.
func TestTwoPersonApprovalRace(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fargateWorld, withOptions(func(o *Options) { o.RequireApprovers = 2 }))
	ctx := context.Background()
	id := pendingID(t, h.request(alice, scaleAPI))
	var wg sync.WaitGroup
	outs := make([]Outcome, 3)
	for i, who := range []Actor{bob, carol, frank} {
		wg.Go(func() { outs[i] = h.eng.Approve(ctx, ask(who), id) })
	}
	wg.Wait()
	c := h.change(id)
	if c.Status != store.StatusApplied || len(c.Approvals) != 2 {
		t.Fatalf("status %s with %d approvals, want applied with 2", c.Status, len(c.Approvals))
	}
	if h.count("UpdateService") != 1 {
		t.Errorf("mutations %v, want one UpdateService", h.mutations())
	}
	losers := 0
	for _, o := range outs {
		if o.Refusal == RefusalDecided {
			losers++
		}
	}
	if losers != 1 {
		t.Errorf("%d approvers were told it was decided, want 1 (the third): %+v", losers, outs)
	}
}

// TestTwoPersonApprovalExpiry: a change with one of two approvals still
// expires, and sends nothing.
func TestTwoPersonApprovalExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fargateWorld, withOptions(func(o *Options) { o.RequireApprovers, o.ApprovalExpiry = 2, 10*time.Minute }))
	ctx := context.Background()
	id := pendingID(t, h.request(alice, scaleAPI))
	mustBe(t, h.eng.Approve(ctx, ask(bob), id), RefusalNone, store.StatusPending)
	h.advance(11 * time.Minute)
	mustBe(t, h.eng.Approve(ctx, ask(carol), id), RefusalExpired, store.StatusExpired)
	h.noMutations("expiry after one approval")
}

// TestApproversFor: a service's own value wins over the global one; a
// change of a cluster needs the most any of its services needs.
func TestApproversFor(t *testing.T) {
	t.Parallel()
	services := svcref.List{
		{Alias: "api", Cluster: "lab", Service: "api", RequireApprovers: 2},
		{Alias: "web", Cluster: "lab", Service: "web", RequireApprovers: 1},
		{Alias: "batch", Cluster: "other", Service: "batch"},
	}
	tests := []struct {
		global int
		target svcref.Ref
		want   int
	}{
		{0, svcref.Ref{Alias: "api", Cluster: "lab", Service: "api"}, 2},
		{3, svcref.Ref{Alias: "web", Cluster: "lab", Service: "web"}, 1},
		{3, svcref.Ref{Alias: "batch", Cluster: "other", Service: "batch"}, 3},
		{1, svcref.Ref{Cluster: "lab"}, 2},
		{1, svcref.Ref{Cluster: "other"}, 1},
	}
	for _, tt := range tests {
		e := &Engine{opt: Options{RequireApprovers: tt.global, Services: services}}
		if got := e.approversFor(tt.target); got != tt.want {
			t.Errorf("global %d, %s on %s: %d approvals, want %d", tt.global, tt.target.Name(), tt.target.Cluster, got, tt.want)
		}
	}
}
