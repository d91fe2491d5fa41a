package bot

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

// Click is one press of a button the bot made.
type Click struct {
	User, UserName string
	Roles          []string // the clicker's role IDs in the guild
	Action         string
	Payload        string
	MessageID      string // the message the button is on
	ChannelID      string
	Locale         string // the clicker's Discord locale, such as "ko"
}

// ClickHandler answers a click on a button whose reply.Button ID was
// "ACTION:PAYLOAD". It may return the message to show in place of the
// one clicked, and a text only the clicker sees. Answer within about 2
// seconds when you can: after that the bot acknowledges the click first and
// edits the message when the handler returns.
type ClickHandler func(ctx context.Context, c Click) (update *reply.Message, private string)

// Authorizer says whether the clicker may press this button; it runs
// before any handler.
type Authorizer func(c Click) bool

// clickAckAfter is how long a handler may take before the bot
// acknowledges the click and edits the message later (Discord's deadline
// is 3 seconds).
const clickAckAfter = 2 * time.Second

// OnClick registers the handler of an action. Call it before Run.
func (b *Bot) OnClick(action string, h ClickHandler) {
	b.clicksMu.Lock()
	defer b.clicksMu.Unlock()
	b.clicks[action] = h
}

// SetAuthorizer replaces the role check of clicks. Call it before Run.
func (b *Bot) SetAuthorizer(a Authorizer) { b.authorize = a }

// defaultAuthorize lets anyone run a command button (as if they typed
// it; the command checks its own rights) and, for other actions, asks for
// an operator or approver role when the config names any.
func (b *Bot) defaultAuthorize(c Click) bool {
	if c.Action == ActionCommand {
		return true
	}
	allowed := append(slices.Clone(b.cfg.Discord.Roles.Operators), b.cfg.Discord.Roles.Approvers...)
	if len(allowed) == 0 {
		return true
	}
	for _, r := range c.Roles {
		if slices.Contains(allowed, r) {
			return true
		}
	}
	return false
}

// onClick checks a click's custom ID where it was clicked before anything
// else: one that fails (forged, from another guild or channel, or on
// another message than the one it was bound to), has expired, or decides a
// change from another message than its plan's, gets the same private
// "not allowed or expired, run the command again" and changes nothing.
func (b *Bot) onClick(ctx context.Context, reqID string, i *discordgo.Interaction) {
	user, roles := interactionUser(i)
	lang := b.lang(string(i.Locale))
	data := i.MessageComponentData()
	c := Click{User: user.ID, UserName: user.Username, Roles: roles, ChannelID: i.ChannelID, Locale: string(i.Locale)}
	if i.Message != nil {
		c.MessageID = i.Message.ID
	}
	action, payload, err := b.sign.verify(data.CustomID, scope{i.GuildID, i.ChannelID, c.MessageID}, b.now())
	if err == nil {
		c.Action, c.Payload = action, payload
		err = b.onPlan(ctx, c)
	}
	if err != nil {
		b.log.Warn("refused a button", "request", reqID, "user", user.ID, "channel", i.ChannelID, "reason", err.Error())
		b.private(ctx, reqID, i, say(lang, "not_allowed"))
		return
	}
	if !b.authorize(c) {
		b.log.Info("refused a click: the user lacks the role", "request", reqID, "user", user.ID, "action", action)
		b.private(ctx, reqID, i, say(lang, "not_allowed_role"))
		return
	}
	if action == ActionCommand {
		// Run the command as if the clicker typed it, answered as a new
		// message.
		if !b.respond(ctx, reqID, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}) {
			return
		}
		b.runDeferred(ctx, reqID, i, commands.Input{Text: payload, User: user.ID, UserName: user.Username, Roles: roles,
			ChannelID: i.ChannelID, Locale: string(i.Locale)})
		return
	}
	if d, ok := commands.ParseDecision(action); ok && b.cfg.Changes != nil {
		b.decide(ctx, reqID, i, c, d)
		return
	}
	b.clicksMu.RLock()
	h := b.clicks[action]
	b.clicksMu.RUnlock()
	if h == nil {
		b.log.Warn("a button for an action nobody handles", "request", reqID, "action", action)
		b.private(ctx, reqID, i, say(lang, "not_allowed"))
		return
	}
	b.runClick(ctx, reqID, i, c, h)
}

// onPlan checks that a click deciding a change is on the message where
// its plan was posted, when the store knows it. A button's MAC binds its
// channel but not the plan's message, which did not exist when the button
// was made.
func (b *Bot) onPlan(ctx context.Context, c Click) error {
	if _, ok := commands.ParseDecision(c.Action); !ok || b.cfg.Changes == nil {
		return nil
	}
	cur, err := b.cfg.Changes.Get(ctx, c.Payload)
	if err != nil {
		return nil // the decision itself says the change is unknown
	}
	if (cur.ChannelID != "" && cur.ChannelID != c.ChannelID) || (cur.MessageID != "" && cur.MessageID != c.MessageID) {
		return errNotOurs
	}
	return nil
}

func (b *Bot) now() time.Time {
	if b.cfg.Now != nil {
		return b.cfg.Now()
	}
	return time.Now()
}

// renderer draws messages for a channel and, when it is an edit, a
// message, binding their buttons there (see buttons.go).
func (b *Bot) renderer(ctx context.Context, channelID, messageID string) renderer {
	r := b.render
	r.at = scope{b.cfg.Discord.GuildID, channelID, messageID}
	now := b.now()
	r.expires = func(action, payload string) time.Time {
		if _, ok := commands.ParseDecision(action); ok && b.cfg.Changes != nil {
			if cur, err := b.cfg.Changes.Get(ctx, payload); err == nil && !cur.ExpiresAt.IsZero() {
				return cur.ExpiresAt // the approval's own deadline
			}
		}
		return now.Add(buttonLifetime)
	}
	return r
}

type clickResult struct {
	update  *reply.Message
	private string
}

// runClick calls the handler and updates the clicked message (response
// type 7), or acknowledges first (type 6) and edits later when the handler
// is slow.
func (b *Bot) runClick(ctx context.Context, reqID string, i *discordgo.Interaction, c Click, h ClickHandler) {
	hctx, cancel := context.WithTimeout(ctx, b.cfg.CommandTimeout)
	defer cancel()
	done := make(chan clickResult, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				b.log.Error("click handler panicked", "request", reqID, "action", c.Action, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				done <- clickResult{private: b.apology(c.Locale, reqID).Description}
			}
		}()
		u, p := h(hctx, c)
		done <- clickResult{u, p}
	}()
	t := time.NewTimer(clickAckAfter)
	defer t.Stop()
	var r clickResult
	select {
	case r = <-done:
		switch {
		case r.update != nil:
			o := b.renderer(ctx, c.ChannelID, c.MessageID).render([]reply.Message{*r.update})[0]
			if !b.respond(ctx, reqID, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
				Data: &discordgo.InteractionResponseData{Embeds: o.Embeds, Components: o.Components, Files: o.Files, AllowedMentions: noMentions()}}) {
				return
			}
		case r.private != "":
			b.private(ctx, reqID, i, r.private)
			return
		default:
			b.respond(ctx, reqID, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
			return
		}
	case <-t.C:
		if !b.respond(ctx, reqID, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}) {
			return
		}
		r = <-done
		if r.update != nil {
			b.deliver(ctx, reqID, i, []reply.Message{*r.update}, nil)
		}
	}
	if r.private != "" {
		opts, cancel := b.rest(ctx)
		defer cancel()
		if _, err := b.session.FollowupMessageCreate(i, false, &discordgo.WebhookParams{
			Content: cut(r.private, maxContent), Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
		}, opts...); err != nil {
			b.log.Error("could not send the private note", "request", reqID, "err", errText(err))
		}
	}
}
