package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// answer runs one chat line through the router within the per-command
// timeout, counts it, and turns a panic into a short apology logged with
// the request ID.
func (b *Bot) answer(ctx context.Context, reqID string, in commands.Input) []reply.Message {
	return b.run(ctx, reqID, b.commandName(in.Text), in, func(ctx context.Context) []reply.Message {
		return b.router.Handle(ctx, in)
	})
}

// run answers one command (a chat line, or a button's typed call) within
// the per-command timeout, counts it as name, and turns a panic into a
// short apology logged with the request ID.
func (b *Bot) run(ctx context.Context, reqID, name string, in commands.Input, answer func(context.Context) []reply.Message) (out []reply.Message) {
	start := time.Now()
	outcome := outcomeOK
	ctx, cancel := context.WithTimeout(ctx, b.cfg.CommandTimeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			b.log.Error("command panicked", "request", reqID, "command", name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			out, outcome = []reply.Message{b.apology(in.Locale, reqID)}, outcomePanic
		}
		b.metrics.observeCommand(name, outcome, time.Since(start))
	}()
	out = answer(ctx)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		outcome = outcomeTimeout
	case anyFailed(out):
		outcome = outcomeFailed
	}
	b.log.Info("answered", "request", reqID, "command", name, "outcome", outcome, "user", in.User, "took", time.Since(start).Round(time.Millisecond))
	return out
}

func anyFailed(ms []reply.Message) bool {
	for _, m := range ms {
		if m.Failed {
			return true
		}
	}
	return false
}

// commandName is the command a line asks for, by its main name, for the
// metrics' label: "unknown" for anything else, so the label stays small.
func (b *Bot) commandName(s string) string {
	line, err := commands.Parse(s, b.router.Prefix(), true)
	if err != nil {
		return "unknown"
	}
	if n, ok := b.names[line.Command]; ok {
		return n
	}
	return "unknown"
}

func (b *Bot) lang(locale string) string {
	if l := text.Normalize(locale); l != "" {
		return l
	}
	if l := text.Normalize(b.cfg.Discord.Locale); l != "" {
		return l
	}
	return "en"
}

// apology answers a bug: short, in the user's language, with the request
// ID the log has.
func (b *Bot) apology(locale, reqID string) reply.Message {
	lang := b.lang(locale)
	p := text.New(lang)
	return reply.Message{
		Title: p.T("error.internal.title"), Description: p.T("error.internal"),
		Severity: reply.Critical, Failed: true, Footer: fmt.Sprintf(say(lang, "ref"), reqID),
	}
}

// guard runs fn and logs a panic in the bot's own code with the request ID.
func (b *Bot) guard(reqID string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			b.log.Error("panic while answering", "request", reqID, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	fn()
}

func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}
