// Package bot is ecsmedic on Discord: it connects to the gateway, answers
// `!` commands in the command channels and the slash commands it
// registers, renders the router's neutral replies as embeds, handles
// button clicks, and serves /healthz and /metrics.
//
// It is also where the guarded changes meet Discord (a plan's message is
// edited through approval, apply and follow-up; every step goes to the
// audit channel), and it is the watcher's Notifier: stop alerts and the
// daily summary go to the alerts channel, with this instance's id in the
// footer so that a second replica is noticed.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/config"
	scrub "github.com/ecsmedic/ecsmedic/internal/redact" // bot's own redact cleans log lines
	"github.com/ecsmedic/ecsmedic/watch"
)

// Defaults for BotConfig's zero values.
const (
	DefaultCommandTimeout  = 60 * time.Second
	DefaultMaxConcurrent   = 16
	DefaultShutdownTimeout = 10 * time.Second
	DefaultRESTTimeout     = 20 * time.Second
	DefaultSweepEvery      = 30 * time.Second
	readyTimeout           = 30 * time.Second
)

// BotConfig is what the bot needs from the config and its caller.
type BotConfig struct {
	Discord config.Discord
	// Services are the configured services, for autocomplete.
	Services []commands.ServiceRef
	// HTTPAddr is where /healthz and /metrics listen ("" for nowhere).
	HTTPAddr string
	// ButtonKey signs button IDs (LoadButtonKey).
	ButtonKey []byte
	// Claim, when set, picks which of several replicas answers an event:
	// every replica's gateway receives each chat message and interaction,
	// and a replica answers only those Claim(id) gives it (a conditional
	// write in the shared store). nil answers everything: one replica.
	Claim func(id string) bool

	CommandTimeout  time.Duration // per command, AWS reads included
	MaxConcurrent   int           // commands answered at once; more wait
	ShutdownTimeout time.Duration // for replies in flight at shutdown
	RESTTimeout     time.Duration // per Discord REST call, 429 retries included

	Logger *slog.Logger // nil: slog.Default()

	// Changes is the guarded-change engine (*change.Engine); nil when
	// changes are not available. The bot posts and edits the changes'
	// messages, writes the audit channel, resumes interrupted changes at
	// start, expires old ones every SweepEvery and closes it at shutdown.
	Changes Changes
	// SweepEvery is how often pending changes are checked for expiry;
	// DefaultSweepEvery when zero.
	SweepEvery time.Duration
	// NewTicker makes the sweep's ticker; nil means time.NewTicker. Tests
	// pass a channel of their own.
	NewTicker func(d time.Duration) (ticks <-chan time.Time, stop func())
	// Instance is this process's id (watch.NewInstanceID), at the end of
	// the footer of every alert and summary, so that a second replica
	// posting to the same channel is noticed.
	Instance string
	// Redactor masks secrets that replies quote from AWS (log lines, stop
	// reasons); nil masks everything, e-mail addresses included.
	Redactor *scrub.Redactor
	// Now is the clock that buttons expire by; nil means time.Now. Give
	// it the change engine's clock.
	Now func() time.Time
	// TrimAfter is how long the bot waits with no command in flight
	// before it returns the memory the commands freed to the system
	// (DefaultTrimAfter when zero; negative never).
	TrimAfter time.Duration
}

// Intents are the gateway events the bot asks for: guilds, guild
// messages and their content (for `!` commands). No direct messages: the
// bot serves its team's channels, where the roles that guard changes exist.
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent

// Bot is one connection to Discord.
type Bot struct {
	cfg     BotConfig
	router  *commands.Router
	log     *slog.Logger
	session *discordgo.Session
	metrics *Metrics
	render  renderer
	sign    signer
	names   map[string]string // a command word or alias → its command, for metrics

	clicksMu  sync.RWMutex
	clicks    map[string]ClickHandler
	authorize Authorizer

	sem      chan struct{}
	trim     *trimmer
	spawnMu  sync.RWMutex
	closing  bool
	inflight sync.WaitGroup
	work     context.Context // in-flight commands; outlives Run's ctx by the shutdown grace
	stopWork context.CancelFunc

	gw gateway

	edits        editors    // the order of the edits of change messages
	alertsWarned sync.Once  // "no alerts channel" is said once
	tasksMu      sync.Mutex // guards tasks
	tasks        []task     // run alongside Run (Go)
	tasksWG      sync.WaitGroup
}

// New prepares a bot; Run connects it. The token comes from the
// environment variable the config names.
func New(cfg BotConfig, router *commands.Router) (*Bot, error) {
	if router == nil {
		return nil, errors.New("bot.New needs a router")
	}
	if cfg.Discord.GuildID == "" {
		return nil, errors.New("the Discord server (guild) ID is missing: set discord.guildId in the config")
	}
	if len(cfg.ButtonKey) < minKeyLen {
		return nil, errors.New("the button key is missing or too short (see bot.LoadButtonKey)")
	}
	token, err := cfg.Discord.Token()
	if err != nil {
		return nil, err
	}
	base, err := restBase(cfg.Discord.APIBaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = DefaultCommandTimeout
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.RESTTimeout <= 0 {
		cfg.RESTTimeout = DefaultRESTTimeout
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = DefaultSweepEvery
	}
	if cfg.TrimAfter == 0 {
		cfg.TrimAfter = DefaultTrimAfter
	}
	if cfg.Instance == "" {
		cfg.Instance = watch.NewInstanceID()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	addSecret(token)
	hookDiscordgoLog()

	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("setting up the Discord session: %s", errText(err))
	}
	m := NewMetrics()
	s.Client = &http.Client{
		Timeout:   cfg.RESTTimeout,
		Transport: &restTransport{base: base, next: http.DefaultTransport.(*http.Transport).Clone(), retries: m.restRetries},
	}
	s.Identify.Intents = Intents
	s.StateEnabled = false // the bot keeps no copy of the server: less memory
	s.SyncEvents = true    // handlers run in order on the gateway loop and only hand work off
	s.ShouldReconnectOnError = true
	s.ShouldRetryOnRateLimit = true
	s.MaxRestRetries = 3
	s.LogLevel = discordgo.LogWarning

	key := slices.Clone(cfg.ButtonKey)
	b := &Bot{
		cfg: cfg, router: router, log: log, session: s, metrics: m,
		sign:   signer{key: key},
		names:  map[string]string{},
		clicks: map[string]ClickHandler{},
		sem:    make(chan struct{}, cfg.MaxConcurrent),
		trim:   newTrimmer(cfg.TrimAfter, nil, m.trims.Inc),
	}
	b.authorize = b.defaultAuthorize
	b.render = renderer{sign: b.sign, prefix: router.Prefix(), mask: cfg.Redactor, dropped: func(btn reply.Button) {
		b.log.Warn("a button's action is too long for a Discord button; left out", "label", btn.Label)
	}}
	for _, c := range router.Commands() {
		b.names[c.Name] = c.Name
		for _, a := range c.Aliases {
			b.names[a] = c.Name
		}
	}
	b.gw.init()
	b.gw.onChange = func(up bool) {
		if up {
			m.gateway.Set(1)
		} else {
			m.gateway.Set(0)
		}
	}
	b.work, b.stopWork = context.WithCancel(context.Background())
	s.AddHandler(b.onConnect)
	s.AddHandler(b.onDisconnect)
	s.AddHandler(b.onReady)
	s.AddHandler(b.onResumed)
	s.AddHandler(b.onMessage)
	s.AddHandler(b.onInteraction)
	b.edits.m = map[string]*editor{}
	if cfg.Changes != nil {
		cfg.Changes.Notify(b.onChangeUpdate, b.onAudit, true)
		b.Go("changes", b.runChanges)
	}
	return b, nil
}

// Metrics are the bot's metrics.
func (b *Bot) Metrics() *Metrics { return b.metrics }

// Run connects to Discord, registers the slash commands and answers until
// ctx ends. Then it stops taking commands, lets the replies in flight
// finish (up to ShutdownTimeout) and closes the gateway.
func (b *Bot) Run(ctx context.Context) error {
	b.work, b.stopWork = context.WithCancel(context.WithoutCancel(ctx))
	defer b.stopWork()

	var srv *http.Server
	if b.cfg.HTTPAddr != "" {
		ln, err := net.Listen("tcp", b.cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("cannot serve /healthz and /metrics on %s: %w (change http.addr in the config)", b.cfg.HTTPAddr, err)
		}
		srv = &http.Server{Handler: b.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				b.log.Error("the /healthz and /metrics listener stopped", "err", err)
			}
		}()
		b.log.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	}

	b.log.Info("connecting to Discord", "guild", b.cfg.Discord.GuildID, "intents", Intents)
	if err := b.session.Open(); err != nil {
		b.gw.set(false, false, "could not connect to Discord")
		shutdownHTTP(srv)
		return fmt.Errorf("could not connect to Discord: %s (check the bot token in $%s and that the bot is invited to the server)",
			errText(err), tokenEnv(b.cfg.Discord))
	}

	select {
	case <-b.gw.readyCh:
		b.registerCommands(ctx)
	case <-ctx.Done():
	case <-time.After(readyTimeout):
		b.log.Error("Discord did not say READY in time; slash commands are not registered", "waited", readyTimeout)
	}
	tasksCtx, stopTasks := context.WithCancel(ctx)
	defer stopTasks()
	if ctx.Err() == nil {
		b.startTasks(tasksCtx)
	}

	<-ctx.Done()
	b.log.Info("shutting down: no new commands; finishing replies in flight", "grace", b.cfg.ShutdownTimeout)
	b.gw.set(b.gw.connected(), false, "shutting down")
	b.spawnMu.Lock()
	b.closing = true
	b.spawnMu.Unlock()
	if !b.waitInflight(b.cfg.ShutdownTimeout) {
		b.log.Warn("replies still in flight after the grace period; cancelling them")
		b.stopWork()
		b.waitInflight(2 * time.Second)
	}
	stopTasks()
	b.tasksWG.Wait()
	if b.cfg.Changes != nil {
		// Follow-ups in flight stop here; Resume picks them up at the
		// next start.
		b.cfg.Changes.Close()
	}
	err := b.session.Close()
	shutdownHTTP(srv)
	if err != nil {
		b.log.Warn("closing the gateway", "err", errText(err))
	}
	b.log.Info("stopped")
	return nil
}

func tokenEnv(d config.Discord) string {
	if d.TokenEnv != "" {
		return d.TokenEnv
	}
	return config.DefaultTokenEnv
}

func shutdownHTTP(srv *http.Server) {
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// waitInflight waits for the commands in flight, at most d.
func (b *Bot) waitInflight(d time.Duration) bool {
	done := make(chan struct{})
	go func() { b.inflight.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// spawn runs fn in its own goroutine, unless the bot is shutting down, so
// one slow AWS call never holds another user's answer.
func (b *Bot) spawn(fn func(ctx context.Context)) bool {
	b.spawnMu.RLock()
	defer b.spawnMu.RUnlock()
	if b.closing {
		return false
	}
	b.inflight.Add(1)
	b.trim.begin()
	go func() {
		defer b.inflight.Done()
		defer b.trim.end()
		fn(b.work)
	}()
	return true
}

// acquire takes one of the MaxConcurrent slots for running a command.
func (b *Bot) acquire(ctx context.Context) (release func(), err error) {
	select {
	case b.sem <- struct{}{}:
		return func() { <-b.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// rest is the options of one REST call: bounded in time, 429s retried
// within that bound.
func (b *Bot) rest(ctx context.Context) ([]discordgo.RequestOption, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.RESTTimeout)
	return []discordgo.RequestOption{discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(true)}, cancel
}

// registerCommands overwrites the guild's slash commands with the
// router's, which is idempotent: a restart registers the same set.
func (b *Bot) registerCommands(ctx context.Context) {
	appID := b.cfg.Discord.ApplicationID
	if appID == "" {
		appID = b.gw.applicationID()
	}
	if appID == "" {
		b.log.Error("no application ID: slash commands are not registered; set discord.applicationId in the config")
		return
	}
	defs := slashCommands(b.router.Commands())
	opts, cancel := b.rest(ctx)
	defer cancel()
	got, err := b.session.ApplicationCommandBulkOverwrite(appID, b.cfg.Discord.GuildID, defs, opts...)
	if err != nil {
		b.log.Error("could not register the slash commands; `!` commands still work. "+
			"Invite the bot with the applications.commands scope (see the README)", "err", errText(err))
		return
	}
	b.log.Info("slash commands registered", "guild", b.cfg.Discord.GuildID, "count", len(got))
}
