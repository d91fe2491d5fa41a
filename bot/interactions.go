package bot

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

// onInteraction hands slash commands, autocomplete and button clicks off
// to their own goroutines; the gateway loop never waits on REST or AWS.
func (b *Bot) onInteraction(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	i := ic.Interaction
	if i == nil || i.GuildID != b.cfg.Discord.GuildID {
		return
	}
	reqID := "int-" + i.ID
	var fn func(ctx context.Context)
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		fn = func(ctx context.Context) { b.answerSlash(ctx, reqID, i) }
	case discordgo.InteractionApplicationCommandAutocomplete:
		fn = func(ctx context.Context) { b.autocomplete(ctx, reqID, i) }
	case discordgo.InteractionMessageComponent:
		fn = func(ctx context.Context) { b.onClick(ctx, reqID, i) }
	default:
		return
	}
	if b.cfg.Claim != nil && !b.cfg.Claim(reqID) {
		return // another replica answers it
	}
	b.spawn(func(ctx context.Context) { b.guard(reqID, func() { fn(ctx) }) })
}

// interactionUser is who sent an interaction: a member in a guild.
func interactionUser(i *discordgo.Interaction) (*discordgo.User, []string) {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User, i.Member.Roles
	}
	if i.User != nil {
		return i.User, nil
	}
	return &discordgo.User{}, nil
}

// answerSlash defers at once (Discord wants an answer within 3 seconds),
// then edits the deferred reply with the result and posts the rest as
// follow-ups.
func (b *Bot) answerSlash(ctx context.Context, reqID string, i *discordgo.Interaction) {
	user, roles := interactionUser(i)
	lang := b.lang(string(i.Locale))
	if !b.inCommandChannel(i.ChannelID) {
		b.private(ctx, reqID, i, say(lang, "wrong_channel", "Channels", channelMentions(b.cfg.Discord.Channels.Commands)))
		return
	}
	if !b.respond(ctx, reqID, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}) {
		return
	}
	in, watch := b.watchChange(commands.Input{User: user.ID, UserName: user.Username, Roles: roles, ChannelID: i.ChannelID, Locale: string(i.Locale)})
	d := i.ApplicationCommandData()
	name, ask := d.Name, b.slashCall(d, in)
	if ask == nil {
		// Registered by an older build: the list of commands there are.
		name = "unknown"
		ask = func(ctx context.Context) []reply.Message {
			return b.router.Help(ctx, commands.HelpRequest{From: commands.From{User: in.User, Locale: in.Locale}})
		}
	}
	b.runTyped(ctx, reqID, i, name, in, ask, watch)
}

// runDeferred answers a line for an interaction that was deferred.
func (b *Bot) runDeferred(ctx context.Context, reqID string, i *discordgo.Interaction, in commands.Input) {
	release, err := b.acquire(ctx)
	if err != nil {
		return
	}
	defer release()
	in, watch := b.watchChange(in)
	out := b.answer(ctx, reqID, in)
	watch.answered(ctx, out)
	b.deliver(ctx, reqID, i, out, watch)
}

// runTyped answers a typed call of the router (ask) for an interaction
// that was deferred, counted as the command name; watch (nil for none)
// follows a change command's outcome, as for a line.
func (b *Bot) runTyped(ctx context.Context, reqID string, i *discordgo.Interaction, name string, in commands.Input, ask func(context.Context) []reply.Message, watch *changeWatch) {
	release, err := b.acquire(ctx)
	if err != nil {
		return
	}
	defer release()
	out := b.run(ctx, reqID, name, in, ask)
	watch.answered(ctx, out)
	b.deliver(ctx, reqID, i, out, watch)
}

// deliver edits an interaction's original reply with the first message
// and sends the others as follow-ups; watch (nil for none) learns where a
// plan was posted.
func (b *Bot) deliver(ctx context.Context, reqID string, i *discordgo.Interaction, out []reply.Message, watch *changeWatch) {
	for n, o := range b.renderer(ctx, i.ChannelID, "").render(out) {
		opts, cancel := b.rest(ctx)
		var msg *discordgo.Message
		var err error
		if n == 0 {
			msg, err = b.session.InteractionResponseEdit(i, &discordgo.WebhookEdit{
				Embeds: &o.Embeds, Components: &o.Components, Files: o.Files, AllowedMentions: noMentions(),
			}, opts...)
		} else {
			msg, err = b.session.FollowupMessageCreate(i, true, &discordgo.WebhookParams{
				Embeds: o.Embeds, Components: o.Components, Files: o.Files, AllowedMentions: noMentions(),
			}, opts...)
		}
		cancel()
		if err != nil {
			b.log.Error("could not post the reply", "request", reqID, "err", errText(err))
			return
		}
		if msg != nil {
			watch.posted(reqID, n, i.ChannelID, msg.ID)
		}
	}
}

// respond sends the interaction's one response; false when it failed.
func (b *Bot) respond(ctx context.Context, reqID string, i *discordgo.Interaction, r *discordgo.InteractionResponse) bool {
	opts, cancel := b.rest(ctx)
	defer cancel()
	if err := b.session.InteractionRespond(i, r, opts...); err != nil {
		b.log.Error("could not answer the interaction", "request", reqID, "type", int(r.Type), "err", errText(err))
		return false
	}
	return true
}

// private answers only the user who asked (an ephemeral message).
func (b *Bot) private(ctx context.Context, reqID string, i *discordgo.Interaction, msg string) {
	b.respond(ctx, reqID, i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: cut(msg, maxContent), Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()},
	})
}

func channelMentions(ids []string) string {
	out := make([]string, len(ids))
	for n, id := range ids {
		out[n] = "<#" + id + ">"
	}
	return strings.Join(out, ", ")
}
