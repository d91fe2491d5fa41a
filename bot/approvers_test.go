package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/bot/discordtest"
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/store"
)

// frank is a third approver, for two approvals racing after a first.
var frank = member{"400000000000000016", "frank", []string{discordtest.DefaultApproverRole}}

// TestTwoApproversThroughDiscord: with requireApprovers 2 the plan says
// up front it needs two approvals; the first press edits the plan to "1
// of 2" and keeps its buttons, a second press by the same person is told
// privately, and only the second approver's press applies it, once. The
// audit channel has each approval.
func TestTwoApproversThroughDiscord(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{guards: func(o *change.Options) { o.RequireApprovers = 2 }})
	plan := h.plan(alice, "!reservation on")
	if text := embedText(plan); !strings.Contains(text, "2 different approvers") || !strings.Contains(text, "0 of 2") {
		t.Errorf("the plan does not say it needs two approvals:\n%s", text)
	}
	approve := button(t, plan, "Approve")

	if ans := h.answer(h.click(bob, plan, approve)); ans.Type != discordtest.CallbackUpdateMessage {
		t.Fatalf("the first approval answered with type %d, want an update of the plan (7)", ans.Type)
	}
	h.waitFor("the plan edited to 1 of 2", func() bool { return strings.Contains(embedText(h.message(plan.ID)), "1 of 2 (bob)") })
	if m := h.message(plan.ID); len(m.Buttons()) != 2 || !strings.HasPrefix(title(m), "Change ") {
		t.Errorf("after one approval the plan is %q with %d buttons, want it waiting with Approve and Reject", title(m), len(m.Buttons()))
	}
	h.sw.noWrites("after one of two approvals")

	again := h.answer(h.click(bob, plan, approve))
	if again.Data == nil || again.Data.Flags != discordtest.FlagEphemeral || !strings.Contains(again.Data.Content, "approved this change already") {
		t.Errorf("bob's second press: type %d %+v, want a private note that he approved already", again.Type, again.Data)
	}
	h.sw.noWrites("after bob pressed twice")

	h.answer(h.click(carol, plan, approve))
	h.waitFor("the plan edited to applied", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })
	if m := h.message(plan.ID); len(m.Buttons()) != 0 {
		t.Errorf("the applied plan still has buttons: %+v", m.Buttons())
	}
	if n := h.sw.count("PutScalingPolicy"); n != 1 {
		t.Errorf("%d PutScalingPolicy, want 1", n)
	}
	h.waitFor("the audit of both approvals", func() bool {
		ts := h.titles(auditChannel)
		return count(ts, "Approval counted") == 1 && count(ts, "Change approved") == 1 && count(ts, "Change applied") == 1
	})
}

// TestTwoApproversAtOnce: after a first approval, two more approvers
// press at the same moment: the change is applied once, the plan ends
// applied, and the press that came too late is told privately.
func TestTwoApproversAtOnce(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{guards: func(o *change.Options) { o.RequireApprovers = 2 }})
	plan := h.plan(alice, "!reservation on")
	approve := button(t, plan, "Approve")
	h.answer(h.click(bob, plan, approve))
	a, b := h.click(carol, plan, approve), h.click(frank, plan, approve)
	types := []int{h.answer(a).Type, h.answer(b).Type}
	if !(types[0] == 7 && types[1] == 4 || types[0] == 4 && types[1] == 7) {
		t.Errorf("answers %v, want one update (7) and one private note (4)", types)
	}
	h.waitFor("the plan edited to applied", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })
	if n := h.sw.count("PutScalingPolicy"); n != 1 {
		t.Errorf("%d PutScalingPolicy, want 1", n)
	}
	cs, err := h.st.Changes(storeFilter(store.StatusApplied))
	if err != nil || len(cs) != 1 || len(cs[0].Approvals) != 2 {
		t.Errorf("applied changes %+v, %v; want one with two approvals", cs, err)
	}
}

// TestFirstTwoApproversAtOnce: the two approvals a change needs come at
// the same moment: it is applied once, and the plan's message ends
// applied, not back at "1 of 2" with its buttons.
func TestFirstTwoApproversAtOnce(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{guards: func(o *change.Options) { o.RequireApprovers = 2 }})
	plan := h.plan(alice, "!reservation on")
	approve := button(t, plan, "Approve")
	a, b := h.click(bob, plan, approve), h.click(carol, plan, approve)
	h.answer(a)
	h.answer(b)
	h.waitFor("the plan edited to applied", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })
	h.waitFor("the audit of the apply", func() bool { return count(h.titles(auditChannel), "Change applied") == 1 })
	if m := h.message(plan.ID); !strings.HasPrefix(title(m), "Applied ") || len(m.Buttons()) != 0 {
		t.Errorf("the plan ends %q with buttons %+v", title(m), m.Buttons())
	}
	if n := h.sw.count("PutScalingPolicy"); n != 1 {
		t.Errorf("%d PutScalingPolicy, want 1", n)
	}
}

// TestTwoApproversTyped: `!approve ID` counts as a press would: the first
// edits the posted plan to "1 of 2" (the plan stays where it was posted,
// with its buttons) and the second applies it, once.
func TestTwoApproversTyped(t *testing.T) {
	t.Parallel()
	h, plan, _, id := planNeeding(t, 2)

	first := decode(t, h.replyTo(cmdChannel, h.sayAs(bob, "!approve "+id)))
	if len(first.Embeds) == 0 {
		t.Errorf("the first approval was answered without an embed: %+v", first)
	}
	h.waitFor("the plan edited to 1 of 2", func() bool { return strings.Contains(embedText(h.message(plan.ID)), "1 of 2 (bob)") })
	if m := h.message(plan.ID); len(m.Buttons()) != 2 {
		t.Errorf("after one typed approval the plan has %d buttons, want Approve and Reject", len(m.Buttons()))
	}
	h.sw.noWrites("after one of two approvals")

	h.replyTo(cmdChannel, h.sayAs(carol, "!approve "+id))
	h.waitFor("the plan edited to applied", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })
	if n := h.sw.count("PutScalingPolicy"); n != 1 {
		t.Errorf("%d PutScalingPolicy, want 1", n)
	}
}

// TestCountedApprovalOvertaken: with requireApprovers 3, the answer to the
// first approval ("1 of 3") is out of date once a second one has counted,
// so an edit that runs late does not put it back over "2 of 3".
func TestCountedApprovalOvertaken(t *testing.T) {
	t.Parallel()
	h, plan, approve, id := planNeeding(t, 3)
	h.answer(h.click(bob, plan, approve))
	first, err := h.st.Change(id)
	if err != nil || len(first.Approvals) != 1 {
		t.Fatalf("after bob's approval: %+v, %v", first.Approvals, err)
	}
	o := change.Outcome{Change: first, Status: first.Status}
	if h.bot.overtaken(context.Background(), o) {
		t.Error("the latest counted approval is taken as out of date")
	}
	h.answer(h.click(carol, plan, approve))
	h.waitFor("the plan edited to 2 of 3", func() bool { return strings.Contains(embedText(h.message(plan.ID)), "2 of 3") })
	if !h.bot.overtaken(context.Background(), o) {
		t.Error(`"1 of 3" is not out of date once a second approval has counted: a late edit would show it again`)
	}
}

// planNeeding starts the bot with requireApprovers n and has alice plan
// a change: the plan, its Approve button and the change's ID.
func planNeeding(t *testing.T, n int) (h *ops, plan discordtest.StoredMessage, approve, id string) {
	t.Helper()
	h = startOps(t, opsOptions{guards: func(o *change.Options) { o.RequireApprovers = n }})
	plan = h.plan(alice, "!reservation on")
	approve = button(t, plan, "Approve")
	return h, plan, approve, buttonPayload(t, approve)
}
