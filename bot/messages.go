package bot

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/commands"
)

// typingEvery renews the typing indicator, which Discord shows for 10s.
const typingEvery = 8 * time.Second

// onMessage answers `!` commands in the command channels of the guild.
// Anything else gets silence: no reply, no typing, no REST call at all.
func (b *Bot) onMessage(_ *discordgo.Session, m *discordgo.MessageCreate) {
	if m.Author != nil && m.Author.ID != "" && m.Author.ID == b.gw.botUserID() {
		b.seeOwnMessage(m.Message)
		return
	}
	if m.Author == nil || m.Author.Bot || m.GuildID != b.cfg.Discord.GuildID ||
		!b.inCommandChannel(m.ChannelID) || !b.router.IsCommand(m.Content) {
		return
	}
	reqID := "msg-" + m.ID
	if b.cfg.Claim != nil && !b.cfg.Claim(reqID) {
		return // another replica answers it
	}
	var roles []string
	if m.Member != nil {
		roles = m.Member.Roles
	}
	in := commands.Input{Text: m.Content, User: m.Author.ID, UserName: m.Author.Username, Roles: roles, ChannelID: m.ChannelID}
	msg := m.Message
	b.spawn(func(ctx context.Context) {
		b.guard(reqID, func() { b.answerMessage(ctx, reqID, msg, in) })
	})
}

func (b *Bot) inCommandChannel(id string) bool {
	ch := b.cfg.Discord.Channels.Commands
	return len(ch) == 0 || slices.Contains(ch, id)
}

func (b *Bot) answerMessage(ctx context.Context, reqID string, m *discordgo.Message, in commands.Input) {
	stopTyping := b.typing(ctx, m.ChannelID)
	defer stopTyping()
	release, err := b.acquire(ctx)
	if err != nil {
		return
	}
	defer release()
	in, watch := b.watchChange(in)
	out := b.answer(ctx, reqID, in)
	watch.answered(ctx, out)
	stopTyping()
	for i, o := range b.renderer(ctx, m.ChannelID, "").render(out) {
		send := &discordgo.MessageSend{Embeds: o.Embeds, Components: o.Components, Files: o.Files, AllowedMentions: noMentions()}
		if i == 0 {
			no := false
			send.Reference = &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID, FailIfNotExists: &no}
		}
		opts, cancel := b.rest(ctx)
		msg, err := b.session.ChannelMessageSendComplex(m.ChannelID, send, opts...)
		cancel()
		if err != nil {
			b.log.Error("could not post the reply", "request", reqID, "channel", m.ChannelID, "err", errText(err))
			return
		}
		watch.posted(reqID, i, m.ChannelID, msg.ID)
	}
}

// typing shows "ecsmedic is typing…" until the returned func is called.
func (b *Bot) typing(ctx context.Context, channelID string) (stop func()) {
	done := make(chan struct{})
	var once sync.Once
	stop = func() { once.Do(func() { close(done) }) }
	send := func() {
		opts, cancel := b.rest(ctx)
		defer cancel()
		if err := b.session.ChannelTyping(channelID, opts...); err != nil {
			b.log.Debug("typing indicator failed", "channel", channelID, "err", errText(err))
		}
	}
	send()
	go func() {
		t := time.NewTicker(typingEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				send()
			}
		}
	}()
	return stop
}
