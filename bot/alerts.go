package bot

import (
	"context"
	"errors"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/watch"
)

var _ watch.Notifier = (*Bot)(nil)

// Alert posts a stop alert to the alerts channel (watch.Notifier), drawn
// like any reply: the chart attached, the remedies as signed buttons. It
// returns the message's ID, which UpdateAlert edits. Without an alerts
// channel it warns once and posts nothing.
func (b *Bot) Alert(ctx context.Context, a watch.Alert) (string, error) {
	ch := b.alertsChannel()
	if ch == "" {
		return "", nil
	}
	id, err := b.post(ctx, ch, a.Message)
	if err != nil {
		return "", errors.New(errText(err))
	}
	return id, nil
}

// UpdateAlert edits a posted alert: a crash loop's count grew.
func (b *Bot) UpdateAlert(ctx context.Context, messageID string, a watch.Alert) error {
	ch := b.alertsChannel()
	if ch == "" || messageID == "" {
		return nil
	}
	if err := b.editMessage(ctx, ch, messageID, a.Message); err != nil {
		return errors.New(errText(err))
	}
	return nil
}

// PostSummary posts the daily summary to the alerts channel; it is the
// schedule's job (wrap it in watch.Once).
func (b *Bot) PostSummary(ctx context.Context, at time.Time) error {
	ch := b.alertsChannel()
	if ch == "" {
		return nil
	}
	for _, m := range b.router.Summary(ctx, commands.SummaryRequest{From: commands.From{Locale: b.cfg.Discord.Locale}}) {
		m.Footer = withInstance(m.Footer, b.cfg.Instance)
		if _, err := b.post(ctx, ch, m); err != nil {
			return errors.New(errText(err))
		}
	}
	b.log.Info("posted the daily summary", "due", at, "channel", ch)
	return nil
}

// withInstance ends a footer with this instance's id (watch.Footer).
func withInstance(footer, instance string) string {
	f := watch.Footer(instance)
	if footer == "" {
		return f
	}
	return footer + " · " + f
}

func (b *Bot) alertsChannel() string {
	ch := b.cfg.Discord.Channels.Alerts
	if ch == "" {
		b.alertsWarned.Do(func() {
			b.log.Warn("no alerts channel (discord.channels.alerts): stop alerts and the daily summary are not posted")
		})
	}
	return ch
}

// seeOwnMessage checks a message the bot's own user posted in the alerts
// channel: an alert or summary from another instance means two bots
// are running, each posting everything.
func (b *Bot) seeOwnMessage(m *discordgo.Message) {
	if m == nil || m.ChannelID == "" || m.ChannelID != b.cfg.Discord.Channels.Alerts || b.cfg.Claim != nil {
		return // with Claim, other replicas post by design, one at a time
	}
	for _, e := range m.Embeds {
		if e == nil || e.Footer == nil {
			continue
		}
		if other, ok := watch.Other(e.Footer.Text, b.cfg.Instance); ok {
			b.metrics.otherInstance.Inc()
			b.log.Warn("another ecsmedic instance is posting to the alerts channel: every alert will come twice. Run exactly one replica (desiredCount 1, see the README)",
				"other", other, "me", b.cfg.Instance, "message", m.ID)
			return
		}
	}
}
