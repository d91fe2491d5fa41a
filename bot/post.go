package bot

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/config"
)

// Poster posts replies to one Discord channel through the REST API alone,
// with no gateway and no buttons: for a process other than the bot, such
// as `ecsmedic mcp`, to put something before the team.
type Poster struct {
	s       *discordgo.Session
	channel string
	r       renderer
}

// NewPoster prepares a poster for channel with the config's token and
// REST proxy.
func NewPoster(d config.Discord, channel string) (*Poster, error) {
	token, err := d.Token()
	if err != nil {
		return nil, err
	}
	base, err := restBase(d.APIBaseURL)
	if err != nil {
		return nil, err
	}
	addSecret(token)
	hookDiscordgoLog()
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("setting up the Discord session: %s", errText(err))
	}
	// Retries are counted for the bot's /metrics; a poster has none.
	retries := prometheus.NewCounter(prometheus.CounterOpts{Name: "poster_rest_retries_total", Help: "unexported"})
	s.Client = &http.Client{
		Timeout:   DefaultRESTTimeout,
		Transport: &restTransport{base: base, next: http.DefaultTransport.(*http.Transport).Clone(), retries: retries},
	}
	return &Poster{s: s, channel: channel, r: renderer{prefix: d.Prefix}}, nil
}

// Post sends m as one or more messages, without its buttons.
func (p *Poster) Post(ctx context.Context, m reply.Message) error {
	m.Buttons = nil
	for _, o := range p.r.render([]reply.Message{m}) {
		send := &discordgo.MessageSend{Embeds: o.Embeds, Files: o.Files}
		if _, err := p.s.ChannelMessageSendComplex(p.channel, send, discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("posting to Discord channel %s: %s", p.channel, errText(err))
		}
	}
	return nil
}
