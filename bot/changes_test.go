package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecsmedic/ecsmedic/bot/discordtest"
	"github.com/ecsmedic/ecsmedic/store"
)

// TestClubFixThroughDiscord is the club's fix after the backend-137
// incident, in Discord: an operator asks for reservation scaling, an
// approver clicks Approve and the plan becomes its outcome; then more CPU
// for backend, the Auto Scaling group adds a host, the approver clicks
// and the plan's message follows the deployment until it is steady.
// Every step is in the audit channel, and nothing is written to AWS
// before a click.
func TestClubFixThroughDiscord(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{})

	plan := h.plan(alice, "!reservation on")
	if d := cmp.Diff([]string{"Approve", "Reject"}, labels(plan)); d != "" {
		t.Errorf("the plan's buttons (-want +got):\n%s", d)
	}
	h.sw.noWrites("the reservation plan")
	ans := h.answer(h.click(bob, plan, button(t, plan, "Approve")))
	if ans.Type != discordtest.CallbackUpdateMessage {
		t.Errorf("the approval answered with type %d, want an update of the plan (7)", ans.Type)
	}
	h.waitFor("the plan edited to applied", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })
	if got := h.message(plan.ID); len(got.Buttons()) != 0 {
		t.Errorf("the applied plan still has buttons: %+v", got.Buttons())
	}
	if d := cmp.Diff([]string{"PutScalingPolicy"}, h.sw.mutating()); d != "" {
		t.Errorf("writes (-want +got):\n%s", d)
	}
	h.waitFor("the audit of the reservation", func() bool {
		return hasAll(h.titles(auditChannel), "Change requested", "Change approved", "Change applied")
	})

	// More CPU: the plan counts on the group adding a host.
	plan = h.plan(alice, "!scale backend cpu 1024")
	if text := embedText(plan); !strings.Contains(text, "backend:43") || !strings.Contains(text, "codedang-ecs-asg") {
		t.Errorf("the scale plan:\n%s", text)
	}
	if got := h.sw.mutating(); len(got) != 1 {
		t.Fatalf("writes before the second approval: %v", got)
	}
	// The group scales out: a third t3.medium joins the cluster.
	h.sw.grow(addInstance)
	h.click(bob, plan, button(t, plan, "Approve"))
	h.waitFor("the deployment to be steady", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })
	final := h.message(plan.ID)
	if text := embedText(final); !strings.Contains(text, "steady on backend:43") || !strings.Contains(text, "Approved by bob") {
		t.Errorf("the final message:\n%s", text)
	}
	if n, m := h.sw.count("RegisterTaskDefinition"), h.sw.count("UpdateService"); n != 1 || m != 1 {
		t.Errorf("%d RegisterTaskDefinition and %d UpdateService, want one each", n, m)
	}
	// The follow-up edited the plan as the deployment went.
	progress := 0
	for _, c := range h.fake.Calls() {
		if c.Method == "PATCH" && strings.HasSuffix(c.Path, "/messages/"+plan.ID) && strings.Contains(string(c.Body), "Applying ") &&
			strings.Contains(string(c.Body), "running") {
			progress++
		}
	}
	if progress == 0 {
		t.Error("the message was not edited while the deployment went")
	}
	h.waitFor("the audit of the scale", func() bool {
		return count(h.titles(auditChannel), "Change applied") == 2 && count(h.titles(auditChannel), "Revision registered") == 1
	})
}

// TestRefusedClicks: the requester, an operator who is not an approver
// and someone with no role are each told privately, and neither the plan
// nor AWS changes.
func TestRefusedClicks(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{})
	plan := h.plan(alice, "!reservation on")
	tests := []struct {
		name string
		who  member
		want string
	}{
		{"self approval", alice, "someone else must approve"},
		{"an operator who may not approve", dave, "needs the approver role"},
		{"no role at all", eve, "needs one of the roles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := h.answer(h.click(tt.who, plan, button(t, plan, "Approve")))
			if p.Type != discordtest.CallbackChannelMessage || p.Data == nil || p.Data.Flags != discordtest.FlagEphemeral {
				t.Fatalf("answer type %d %+v, want an ephemeral message", p.Type, p.Data)
			}
			if !strings.Contains(p.Data.Content, tt.want) {
				t.Errorf("the refusal %q lacks %q", p.Data.Content, tt.want)
			}
		})
	}
	if m := h.message(plan.ID); m.Edits != 0 || len(m.Buttons()) != 2 {
		t.Errorf("the plan changed: %d edits, %d buttons", m.Edits, len(m.Buttons()))
	}
	if cs := h.pending(); len(cs) != 1 {
		t.Errorf("%d pending changes, want the plan still waiting", len(cs))
	}
	h.sw.noWrites("after the refused clicks")
}

// TestExpiry: nobody approves within ten minutes; the sweep expires the
// plan and its message says so, without buttons.
func TestExpiry(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{})
	plan := h.plan(alice, "!reservation on")
	h.tick() // not yet
	if m := h.message(plan.ID); m.Edits != 0 {
		t.Fatalf("edited before its time: %s", title(m))
	}
	h.clock.Advance(11 * time.Minute)
	h.tick()
	h.waitFor("the plan edited to expired", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Expired ") })
	if m := h.message(plan.ID); len(m.Buttons()) != 0 || !strings.Contains(embedText(m), "Nothing was changed") {
		t.Errorf("the expired plan:\n%s\nbuttons %+v", embedText(m), m.Buttons())
	}
	h.waitFor("the audit of the expiry", func() bool { return hasAll(h.titles(auditChannel), "Change expired") })
	// A late click is told privately.
	p := h.answer(h.click(bob, plan, button(t, plan, "Approve")))
	if p.Data == nil || p.Data.Flags != discordtest.FlagEphemeral || !strings.Contains(p.Data.Content, "expired") {
		t.Errorf("a late approval: type %d %+v", p.Type, p.Data)
	}
	h.sw.noWrites("after the expiry")
}

// TestApprovedOnce: a double click and two approvers at once apply the
// change once; the other click is told privately.
func TestApprovedOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		first, next member
	}{
		{"double click", bob, bob},
		{"two approvers at once", bob, carol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := startOps(t, opsOptions{})
			plan := h.plan(alice, "!reservation on")
			h.sw.noWrites("the plan")
			approve := button(t, plan, "Approve")
			a, b := h.click(tt.first, plan, approve), h.click(tt.next, plan, approve)
			types := []int{h.answer(a).Type, h.answer(b).Type}
			if !(cmp.Equal(types, []int{7, 4}) || cmp.Equal(types, []int{4, 7})) {
				t.Errorf("answers %v, want one update (7) and one private note (4)", types)
			}
			h.waitFor("the plan edited to applied", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })
			if n := h.sw.count("PutScalingPolicy"); n != 1 {
				t.Errorf("%d PutScalingPolicy, want 1", n)
			}
			c, err := h.st.Changes(storeFilter(store.StatusApplied))
			if err != nil || len(c) != 1 {
				t.Errorf("applied changes %d, %v", len(c), err)
			}
		})
	}
}

func labels(m discordtest.StoredMessage) []string {
	var out []string
	for _, b := range m.Buttons() {
		out = append(out, b.Label)
	}
	return out
}

func title(m discordtest.StoredMessage) string {
	if len(m.Embeds) == 0 {
		return ""
	}
	return m.Embeds[0].Title
}

func count(titles []string, prefix string) int {
	n := 0
	for _, t := range titles {
		if strings.HasPrefix(t, prefix) {
			n++
		}
	}
	return n
}

func hasAll(titles []string, prefixes ...string) bool {
	for _, p := range prefixes {
		if count(titles, p) == 0 {
			return false
		}
	}
	return true
}

// TestTypedApprove: `!approve ID` (for clients without buttons) answers
// in the channel and turns the plan's message into the outcome too.
func TestTypedApprove(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{})
	plan := h.plan(alice, "!reservation on")
	id := buttonPayload(t, button(t, plan, "Approve"))
	h.sw.noWrites("the plan")
	p := decode(t, h.replyTo(cmdChannel, h.sayAs(bob, "!approve "+id)))
	if len(p.Embeds) == 0 || !strings.HasPrefix(p.Embeds[0].Title, "Applied ") {
		t.Errorf("the answer: %+v", p.Embeds)
	}
	h.waitFor("the plan edited to applied", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })
	if m := h.message(plan.ID); len(m.Buttons()) != 0 {
		t.Errorf("the plan keeps its buttons: %+v", m.Buttons())
	}
	if n := h.sw.count("PutScalingPolicy"); n != 1 {
		t.Errorf("%d PutScalingPolicy, want 1", n)
	}
}

// TestSlashChange: /reservation state:on plans in the deferred reply, the
// plan is recorded there, and its Approve button works on it.
func TestSlashChange(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{})
	iid, token := h.fake.SendInteraction(discordtest.Interaction{
		Type: discordtest.InteractionCommand, ChannelID: cmdChannel, GuildID: discordtest.DefaultGuildID,
		UserID: alice.id, UserName: alice.name, Roles: alice.roles, CommandName: "reservation",
		Options: []discordtest.Option{{Name: "state", Type: 3, Value: "on"}},
	})
	h.waitCall("the plan", isEditOriginal(token))
	rec, _ := h.fake.InteractionByID(iid)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	select {
	case id := <-h.postedCh:
		if id != rec.OriginalID {
			t.Fatalf("recorded %s, want the reply %s", id, rec.OriginalID)
		}
	case <-ctx.Done():
		t.Fatal("the plan was not recorded as posted")
	}
	plan := h.message(rec.OriginalID)
	h.sw.noWrites("the plan")
	h.click(carol, plan, button(t, plan, "Approve"))
	h.waitFor("the plan edited to applied", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })
}

// TestSlashApprove: /approve goes to the typed Decide, answers in its
// deferred reply and turns the plan's message into the outcome too, as
// `!approve ID` does.
func TestSlashApprove(t *testing.T) {
	t.Parallel()
	h := startOps(t, opsOptions{})
	plan := h.plan(alice, "!reservation on")
	_, id, err := h.bot.sign.verify(button(t, plan, "Approve"), scope{discordtest.DefaultGuildID, cmdChannel, ""}, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, token := h.fake.SendInteraction(discordtest.Interaction{
		Type: discordtest.InteractionCommand, ChannelID: cmdChannel, GuildID: discordtest.DefaultGuildID,
		UserID: bob.id, UserName: bob.name, Roles: bob.roles, CommandName: "approve",
		Options: []discordtest.Option{{Name: "id", Type: 3, Value: id}},
	})
	p := decode(t, h.waitCall("the answer", isEditOriginal(token)))
	if len(p.Embeds) == 0 || !strings.HasPrefix(p.Embeds[0].Title, "Applied ") {
		t.Errorf("the answer: %+v", p.Embeds)
	}
	h.waitFor("the plan edited to applied", func() bool { return strings.HasPrefix(title(h.message(plan.ID)), "Applied ") })
	if n := h.sw.count("PutScalingPolicy"); n != 1 {
		t.Errorf("%d PutScalingPolicy, want 1", n)
	}
}

// TestDecisionInAnotherChannel: a typed `!approve ID` in another commands
// channel than the plan's is refused and names the plan's channel; the
// plan and AWS stay as they were.
func TestDecisionInAnotherChannel(t *testing.T) {
	t.Parallel()
	h, plan := planWithTwoChannels(t)
	id := buttonPayload(t, button(t, plan, "Approve"))
	msg := h.fake.SendMessage(discordtest.Message{ChannelID: otherChannel, GuildID: discordtest.DefaultGuildID,
		AuthorID: bob.id, AuthorName: bob.name, Roles: bob.roles, Content: "!approve " + id})
	p := decode(t, h.replyTo(otherChannel, msg))
	if len(p.Embeds) == 0 || p.Embeds[0].Title != "Not allowed" || !strings.Contains(p.Embeds[0].Description, "<#"+cmdChannel+">") {
		t.Errorf("the answer: %+v", p.Embeds)
	}
	if m := h.message(plan.ID); m.Edits != 0 || len(m.Buttons()) != 2 {
		t.Errorf("the plan changed: %d edits, %d buttons", m.Edits, len(m.Buttons()))
	}
	h.sw.noWrites("after an approval in another channel")
}
