package change

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/store"
)

const fargateWorld = "testdata/fargate.yaml"

var (
	apiTarget = Target{Alias: "api", Cluster: "lab", Service: "api"}
	webTarget = Target{Alias: "web", Cluster: "lab", Service: "web"}
	scaleAPI  = Request{Kind: KindScaleCPU, Target: apiTarget, Value: 512}
)

// TestWhoMayAct covers the approval rules: nobody approves their own
// change unless the config says so (the terminal is an operator console
// that may), only approvers approve, only operators ask, only the
// requester cancels. A refusal changes nothing and sends nothing.
func TestWhoMayAct(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		selfOK     bool
		requester  Actor
		actor      Actor
		action     string // approve, reject, cancel
		wantStatus string
		wantText   string
	}{
		{"self approval refused", false, alice, alice, "approve", store.StatusPending, "someone else must approve"},
		{"approver who asked refused", false, bob, bob, "approve", store.StatusPending, "someone else must approve"},
		{"self approval allowed by config", true, bob, bob, "approve", store.StatusApplied, "Applied"},
		{"non-approver refused", false, alice, dave, "approve", store.StatusPending, "needs the approver role"},
		{"no role refused", false, alice, eve, "approve", store.StatusPending, "needs the approver role"},
		{"another approver approves", false, alice, bob, "approve", store.StatusApplied, "Approved by bob"},
		{"console approves its own", false, tty, tty, "approve", store.StatusApplied, "Applied"},
		{"approver rejects", false, alice, carol, "reject", store.StatusRejected, "Rejected by carol"},
		{"non-approver cannot reject", false, alice, dave, "reject", store.StatusPending, "needs the approver role"},
		{"requester's reject is a cancel", false, alice, alice, "reject", store.StatusCancelled, "Cancelled by alice"},
		{"requester cancels", false, alice, alice, "cancel", store.StatusCancelled, "Cancelled by alice"},
		{"others cannot cancel", false, alice, bob, "cancel", store.StatusPending, "Only the person who asked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, fargateWorld, withOptions(func(o *Options) { o.Guards.Approval.SelfApprove = tt.selfOK }))
			ctx := context.Background()
			id := pendingID(t, h.request(tt.requester, scaleAPI))
			var m reply.Message
			switch tt.action {
			case "approve":
				m = h.eng.Approve(ctx, ask(tt.actor), id)
			case "reject":
				m = h.eng.Reject(ctx, ask(tt.actor), id)
			case "cancel":
				m = h.eng.Cancel(ctx, ask(tt.actor), id)
			}
			mustMention(t, m, tt.wantText)
			if c := h.change(id); c.Status != tt.wantStatus {
				t.Errorf("status %s, want %s", c.Status, tt.wantStatus)
			}
			if tt.wantStatus == store.StatusApplied {
				if h.count("RegisterTaskDefinition") != 1 || h.count("UpdateService") != 1 {
					t.Errorf("mutations %v", h.mutations())
				}
				return
			}
			h.noMutations(tt.name)
			if tt.wantStatus == store.StatusPending && !m.Failed {
				t.Error("a refused action must be a Failed (private) reply")
			}
		})
	}
}

func TestOnlyOperatorsAsk(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fargateWorld)
	m := h.request(eve, scaleAPI)
	mustMention(t, m, "needs the operator role")
	if !m.Failed || len(m.Buttons) > 0 {
		t.Errorf("not refused: %+v", m)
	}
	h.noMutations("non-operator request")
	if got := h.events(); len(got) != 1 || got[0] != "denied" {
		t.Errorf("audit %v", got)
	}
}

func TestConsoleApprovalIsAudited(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fargateWorld)
	m := h.eng.Request(context.Background(), Ask{Actor: tty}, scaleAPI)
	mustMention(t, m, "operator console", "approved in the terminal")
	h.eng.Approve(context.Background(), Ask{Actor: tty}, pendingID(t, m))
	recs, err := h.st.AuditLog(time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		if r.Event == "approved" && r.Detail == "approved in the terminal (operator console)" {
			found = true
		}
	}
	if !found {
		t.Errorf("no console approval in the audit: %+v", recs)
	}
}

// TestExpiry: an unapproved plan expires after guards.approval.expiry,
// found lazily by an approval or by Sweep, and releases its lock.
func TestExpiry(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"approve", "sweep"} {
		t.Run(how, func(t *testing.T) {
			h := newHarness(t, fargateWorld, withOptions(func(o *Options) { o.Guards.Approval.Expiry = 10 * time.Minute }))
			ctx := context.Background()
			id := pendingID(t, h.request(alice, scaleAPI))
			h.advance(10*time.Minute + time.Second)
			switch how {
			case "approve":
				m := h.eng.Approve(ctx, ask(bob), id)
				mustMention(t, m, "expired at 10:10")
			case "sweep":
				n, err := h.eng.Sweep(ctx)
				if err != nil || n != 1 {
					t.Fatalf("Sweep = %d, %v", n, err)
				}
				if len(h.updates) != 1 {
					t.Fatalf("%d message updates, want 1 (the expiry)", len(h.updates))
				}
				mustMention(t, h.updates[0], "Expired "+id, "Nobody approved it by 10:10")
				if len(h.updates[0].Buttons) > 0 {
					t.Error("an expired plan keeps its buttons")
				}
			}
			if c := h.change(id); c.Status != store.StatusExpired {
				t.Errorf("status %s", c.Status)
			}
			h.noMutations("expiry")
			// The lock is free: a new plan may be made.
			pendingID(t, h.request(alice, scaleAPI))
		})
	}
}

// TestApprovedOnce: a double click and two approvers at once apply the
// change once; the others are told who approved it.
func TestApprovedOnce(t *testing.T) {
	t.Parallel()
	for _, approvers := range [][]Actor{{bob, bob}, {bob, carol}, {bob, carol, bob, carol}} {
		h := newHarness(t, fargateWorld)
		id := pendingID(t, h.request(alice, scaleAPI))
		out := make([]reply.Message, len(approvers))
		var wg sync.WaitGroup
		for i, a := range approvers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i] = h.eng.Approve(context.Background(), ask(a), id)
			}()
		}
		wg.Wait()
		applied, told := 0, 0
		for _, m := range out {
			switch {
			case !m.Failed:
				applied++
			case m.Failed:
				mustMention(t, m, "was already approved by")
				told++
			}
		}
		if applied != 1 || told != len(approvers)-1 {
			t.Errorf("%d applied, %d told; replies:\n%v", applied, told, out)
		}
		if r, u := h.count("RegisterTaskDefinition"), h.count("UpdateService"); r != 1 || u != 1 {
			t.Errorf("RegisterTaskDefinition ×%d, UpdateService ×%d, want 1 each", r, u)
		}
	}
}

// TestOneChangePerService: a second plan for a busy service is refused,
// naming the first; another service is free.
func TestOneChangePerService(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fargateWorld)
	id := pendingID(t, h.request(alice, scaleAPI))
	m := h.request(bob, Request{Kind: KindGrace, Target: apiTarget, Value: 60})
	mustMention(t, m, "already has change "+id, "cancel "+id)
	if !m.Failed {
		t.Error("not refused")
	}
	pendingID(t, h.request(bob, Request{Kind: KindAutoscaleOff, Target: webTarget}))
	h.eng.Cancel(context.Background(), ask(alice), id)
	pendingID(t, h.request(bob, Request{Kind: KindGrace, Target: apiTarget, Value: 60}))
}

var _ = config.Defaults
