package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/bot"
	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/fleetmetrics"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/watch"
)

const (
	// summaryCatchUp: a summary missed while the bot was down is posted
	// late, once, when the bot is back within this long.
	summaryCatchUp = 12 * time.Hour
	// sqsBackstop is the polling interval when an SQS queue brings the
	// stops: polling only catches what the queue lost.
	sqsBackstop = 5 * time.Minute
)

// botMemoryLimit is the bot's soft memory limit unless GOMEMLIMIT says
// otherwise: it shares a small EC2 host with the services it watches, and
// the limit makes the garbage collector work harder before the heap grows
// (docs/memory.md).
const botMemoryLimit = 40 << 20

// runBot connects to Discord and answers until SIGTERM or SIGINT (the
// root's context ends on them), then shuts down cleanly. Alongside it
// runs the guarded changes' sweeper, the watcher (polling, and the SQS
// queue when configured) and the daily summary's schedule.
func runBot(cmd *cobra.Command, g *globals) error {
	ctx := cmd.Context()
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(botMemoryLimit)
	}
	cfg, err := config.Load(g.configPath)
	if err != nil {
		return err
	}
	if err := cfg.ForBot(); err != nil {
		return err
	}
	for _, w := range cfg.Warnings() {
		slog.Warn(w.String())
	}
	// Say a missing token before dialling AWS.
	if _, err := cfg.Discord.Token(); err != nil {
		return err
	}
	if g.world != "" {
		return fmt.Errorf("`ecsmedic run` answers from AWS; to try the bot's replies on a world, use `ecsmedic chat --world %s`", g.world)
	}
	be, err := openBackend(ctx, g, "", changeStore)
	if err != nil {
		return err
	}
	defer be.close()
	if be.store == nil || be.env.Changes == nil {
		return fmt.Errorf("the store %s is in use by another process: is another ecsmedic running? Run exactly one (see the README)", cfg.Storage.Path)
	}
	key, err := loadButtonKey(cfg, be.store)
	if err != nil {
		return err
	}
	instance := watch.NewInstanceID()
	router := commands.NewRouter(be.env)
	rep := replicasOn(cfg, be.store, instance)
	b, err := bot.New(bot.BotConfig{
		Discord:   cfg.Discord,
		Services:  be.env.Services,
		HTTPAddr:  cfg.HTTP.Addr,
		ButtonKey: key,
		Changes:   be.env.Changes,
		Instance:  instance,
		Redactor:  be.redact,
		Claim:     rep.claim,
	}, router)
	if err != nil {
		return err
	}
	if rep.leader != nil {
		b.Go("leader", rep.leader.Run)
		rep.resumeOrphans(b, be.engine, instance)
	}
	wcfg := watch.Config{
		Cluster: cfg.AWS.Cluster, Services: be.env.Services, Interval: cfg.Schedules.Watch.Interval,
		AnnounceDeployments: cfg.Schedules.Watch.AnnounceDeployments, AnnounceScaleIn: cfg.Schedules.Watch.AnnounceScaleIn,
		Locale: be.env.Locale, Location: be.env.Location, Prefix: be.env.Prefix, Limits: be.env.Limits,
		Retention: cfg.Storage.Retention, Instance: instance, Warn: warnConfig(cfg.Schedules.Watch.Warn),
	}
	if file, ok := be.store.(*store.Store); ok {
		b.Go("backup", func(ctx context.Context) error { return keepBackups(ctx, file) })
	} else {
		slog.Info("the store is a DynamoDB table: back it up with DynamoDB's point-in-time recovery or `ecsmedic store export`")
	}
	if be.targets != nil {
		// One watcher per target, each with its account's clients
		// (targets.go).
		if err := watchTargets(ctx, wcfg, cfg, be, b, rep.only); err != nil {
			return err
		}
	} else {
		be.clients.Observe(b.Metrics().ObserveAWS)
		// The Grafana gauges refresh on the poll's schedule (before the SQS
		// backstop stretches it); a scrape reads only their cache.
		fleet := fleetmetrics.New(fleetmetrics.Config{Cluster: cfg.AWS.Cluster, Services: be.env.Services, Interval: wcfg.Interval}, be.clients)
		if err := b.Metrics().Register(fleet); err != nil {
			return err
		}
		b.Go("fleet metrics", fleet.Run)
		startWatcher(b, rep.only, "", wcfg, be.clients, fleet.CountStops(be.store), cfg.Schedules.Watch.SQSQueueURL) // watchers.go
	}

	sched, err := watch.NewSchedule(cfg.Schedules.Summary.Cron, cfg.Schedules.Summary.Location(), nil,
		watch.Once(be.store, "summary", instance, b.PostSummary))
	if err != nil {
		return err
	}
	sched.CatchUp = summaryCatchUp
	b.Go("summary", rep.only(func(ctx context.Context) error {
		sched.Start(ctx)
		<-ctx.Done()
		return sched.Stop()
	}))
	return b.Run(ctx)
}

// warnConfig is the watcher's early warning from the config's; quiet hours
// are in the summary's time zone (watch.Config.Location).
func warnConfig(c config.Warn) watch.Warn {
	return watch.Warn{On: c.Enabled, CPUPercent: float64(c.CPUPercent), MemoryPercent: float64(c.MemoryPercent),
		ClusterPercent: float64(c.ClusterPercent), For: c.For, Every: c.Every, Interval: c.Interval,
		Quiet: watch.QuietHours{From: c.QuietFrom, To: c.QuietTo}}
}
