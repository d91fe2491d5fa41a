package change

import (
	"context"
	"sync"
	"testing"
	"time"

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
		name        string
		selfOK      bool
		requester   Actor
		actor       Actor
		action      string // approve, reject, cancel
		wantStatus  store.Status
		wantRefusal Refusal
	}{
		{"self approval refused", false, alice, alice, "approve", store.StatusPending, RefusalSelfApproval},
		{"approver who asked refused", false, bob, bob, "approve", store.StatusPending, RefusalSelfApproval},
		{"self approval allowed by config", true, bob, bob, "approve", store.StatusApplied, RefusalNone},
		{"non-approver refused", false, alice, dave, "approve", store.StatusPending, RefusalNotApprover},
		{"no role refused", false, alice, eve, "approve", store.StatusPending, RefusalNotApprover},
		{"another approver approves", false, alice, bob, "approve", store.StatusApplied, RefusalNone},
		{"console approves its own", false, tty, tty, "approve", store.StatusApplied, RefusalNone},
		{"approver rejects", false, alice, carol, "reject", store.StatusRejected, RefusalNone},
		{"non-approver cannot reject", false, alice, dave, "reject", store.StatusPending, RefusalNotApprover},
		{"requester's reject is a cancel", false, alice, alice, "reject", store.StatusCancelled, RefusalNone},
		{"requester cancels", false, alice, alice, "cancel", store.StatusCancelled, RefusalNone},
		{"others cannot cancel", false, alice, bob, "cancel", store.StatusPending, RefusalNotRequester},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, fargateWorld, withOptions(func(o *Options) { o.SelfApprove = tt.selfOK }))
			ctx := context.Background()
			id := pendingID(t, h.request(tt.requester, scaleAPI))
			var o Outcome
			switch tt.action {
			case "approve":
				o = h.eng.Approve(ctx, ask(tt.actor), id)
			case "reject":
				o = h.eng.Reject(ctx, ask(tt.actor), id)
			case "cancel":
				o = h.eng.Cancel(ctx, ask(tt.actor), id)
			}
			if o.Refusal != tt.wantRefusal {
				t.Errorf("refusal %q, want %q", o.Refusal, tt.wantRefusal)
			}
			if c := h.change(id); c.Status != tt.wantStatus {
				t.Errorf("status %s, want %s", c.Status, tt.wantStatus)
			}
			if o.Change.ID != id {
				t.Errorf("outcome about change %q, want %q", o.Change.ID, id)
			}
			switch tt.wantStatus {
			case store.StatusApplied:
				if o.Status != store.StatusApplied || o.Change.ApprovedBy != tt.actor.ID {
					t.Errorf("outcome %s approved by %q", o.Status, o.Change.ApprovedBy)
				}
				if h.count("RegisterTaskDefinition") != 1 || h.count("UpdateService") != 1 {
					t.Errorf("mutations %v", h.mutations())
				}
				return
			case store.StatusRejected, store.StatusCancelled:
				if o.Change.Result != tt.actor.Name {
					t.Errorf("decided by %q, want %q", o.Change.Result, tt.actor.Name)
				}
			}
			h.noMutations(tt.name)
		})
	}
}

func TestOnlyOperatorsAsk(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fargateWorld)
	o := h.request(eve, scaleAPI)
	mustBe(t, o, RefusalNotOperator, "")
	h.noMutations("non-operator request")
	if got := h.events(); len(got) != 1 || got[0] != "denied" {
		t.Errorf("audit %v", got)
	}
}

// TestChangesOffWithoutApprovers: with no approver role configured,
// nobody in chat may ask for or approve a change; the terminal still may.
func TestChangesOffWithoutApprovers(t *testing.T) {
	h := newHarness(t, fargateWorld, withOptions(func(o *Options) { o.Approvers, o.Operators = nil, nil }))
	ctx := context.Background()
	for _, who := range []Actor{alice, bob, eve} {
		mustBe(t, h.request(who, scaleAPI), RefusalChangesOff, "")
	}
	id := pendingID(t, h.eng.Request(ctx, Ask{Actor: tty}, scaleAPI))
	mustBe(t, h.eng.Approve(ctx, ask(bob), id), RefusalChangesOff, "")
	mustBe(t, h.eng.Reject(ctx, ask(bob), id), RefusalChangesOff, "")
	h.noMutations("changes off")
	mustBe(t, h.eng.Approve(ctx, Ask{Actor: tty}, id), RefusalNone, store.StatusApplied)
}

// TestDecideInThePlansChannel: approve and reject work only in the
// channel where the plan was posted; the requester may still withdraw it
// anywhere, and the terminal is bound to no channel.
func TestDecideInThePlansChannel(t *testing.T) {
	h := newHarness(t, fargateWorld)
	ctx := context.Background()
	id := pendingID(t, h.eng.Request(ctx, Ask{Actor: alice, ChannelID: "plans"}, scaleAPI))
	elsewhere := Ask{Actor: bob, ChannelID: "random"}
	mustBe(t, h.eng.Approve(ctx, elsewhere, id), RefusalWrongChannel, store.StatusPending)
	mustBe(t, h.eng.Reject(ctx, elsewhere, id), RefusalWrongChannel, store.StatusPending)
	mustBe(t, h.eng.Approve(ctx, Ask{Actor: bob}, id), RefusalWrongChannel, store.StatusPending)
	h.noMutations("decisions in another channel")
	if got := h.events(); len(got) != 4 || got[1] != "denied" || got[3] != "denied" {
		t.Errorf("audit %v", got)
	}
	mustBe(t, h.eng.Approve(ctx, Ask{Actor: bob, ChannelID: "plans"}, id), RefusalNone, store.StatusApplied)

	id = pendingID(t, h.eng.Request(ctx, Ask{Actor: alice, ChannelID: "plans"}, Request{Kind: KindGrace, Target: apiTarget, Value: 60}))
	mustBe(t, h.eng.Cancel(ctx, Ask{Actor: alice, ChannelID: "random"}, id), RefusalNone, store.StatusCancelled)
	id = pendingID(t, h.eng.Request(ctx, Ask{Actor: alice, ChannelID: "plans"}, Request{Kind: KindGrace, Target: apiTarget, Value: 60}))
	mustBe(t, h.eng.Reject(ctx, Ask{Actor: tty}, id), RefusalNone, store.StatusCancelled)
}

func TestConsoleApprovalIsAudited(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fargateWorld)
	o := h.eng.Request(context.Background(), Ask{Actor: tty}, scaleAPI)
	if !o.Console {
		t.Error("a plan made at the terminal does not say so")
	}
	h.eng.Approve(context.Background(), Ask{Actor: tty}, pendingID(t, o))
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
			h := newHarness(t, fargateWorld, withOptions(func(o *Options) { o.ApprovalExpiry = 10 * time.Minute }))
			ctx := context.Background()
			id := pendingID(t, h.request(alice, scaleAPI))
			h.advance(10*time.Minute + time.Second)
			switch how {
			case "approve":
				o := h.eng.Approve(ctx, ask(bob), id)
				mustBe(t, o, RefusalExpired, store.StatusExpired)
				if got := o.Change.ExpiresAt.In(kst).Format("15:04"); got != "10:10" {
					t.Errorf("expired at %s, want 10:10", got)
				}
			case "sweep":
				n, err := h.eng.Sweep(ctx)
				if err != nil || n != 1 {
					t.Fatalf("Sweep = %d, %v", n, err)
				}
				if len(h.updates) != 1 {
					t.Fatalf("%d message updates, want 1 (the expiry)", len(h.updates))
				}
				if u := h.updates[0]; u.Change.ID != id || u.Status != store.StatusExpired || u.Refused() {
					t.Errorf("update: change %s status %s refusal %q", u.Change.ID, u.Status, u.Refusal)
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
		out := make([]Outcome, len(approvers))
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
		for _, o := range out {
			switch {
			case !o.Refused():
				applied++
			case o.Refusal == RefusalDecided && o.Change.ApprovedBy != "":
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
	o := h.request(bob, Request{Kind: KindGrace, Target: apiTarget, Value: 60})
	mustBe(t, o, RefusalLocked, "")
	if o.Holder.ID != id {
		t.Errorf("holder %q, want %q", o.Holder.ID, id)
	}
	pendingID(t, h.request(bob, Request{Kind: KindAutoscaleOff, Target: webTarget}))
	h.eng.Cancel(context.Background(), ask(alice), id)
	pendingID(t, h.request(bob, Request{Kind: KindGrace, Target: apiTarget, Value: 60}))
}
