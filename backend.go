package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/internal/redact"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// backend is what a command talks to: real AWS from the config, or a world
// file served by the simulator in-process on loopback.
type backend struct {
	env     commands.Env
	clients *aws.Clients
	// targets are the clients of a config with several targets, by
	// name; clients is then nil (targets.go).
	targets *aws.Targets
	sim     *sim.Server    // nil against real AWS
	store   store.Engine   // the store, when the command uses it (cmd_change.go, store_open.go)
	engine  *change.Engine // the change engine, with the store
	close   func()
	// redact masks secrets in replies; nil (a world, no config) masks
	// everything.
	redact *redact.Redactor
}

// storeUse is what a command needs of the embedded store. Each command
// opens only that: a reading command never creates the store's file nor
// its .pid file, and pays nothing for a store it does not read.
type storeUse int

const (
	// noStore: status, logs, capture.
	noStore storeUse = iota
	// stopHistory: why reads the stop history when a store exists,
	// read-only, and goes without it otherwise.
	stopHistory
	// changesIfFree: chat gets the change engine, or goes without
	// changes (saying so) while another process holds the store.
	changesIfFree
	// changeStore: the change commands and the bot need the change
	// engine; a store in use or damaged is an error.
	changeStore
)

// answerMemoryLimit is a one-shot command's soft memory limit (the bot
// has its own, cmd_run.go). A command's live heap is small, and without a
// limit the collector lets it double before collecting: the summary of
// 1,000 services peaked at 62 MB resident, and at 57 MB with this limit,
// in the same CPU time (README "Benchmarks"). capture, whose heap holds a
// whole world, lifts it.
const answerMemoryLimit = 32 << 20

// historyWait is how long why waits for the store: in effect one try. A
// writer holding it is nearly always the bot, which holds it for good, and
// why would rather answer at once without the history.
const historyWait = time.Millisecond

// openBackend chooses the world when --world is given (or the command
// has a default world, as demo does), else the config and real AWS.
func openBackend(ctx context.Context, g *globals, defaultWorld string, use storeUse) (*backend, error) {
	// Parse the words while the first AWS calls are out: the bot's every
	// language; a command's English, which every language falls back on.
	if g.bot {
		go text.Preload()
	} else {
		go text.Preload("en")
	}
	if !g.bot && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(answerMemoryLimit)
	}
	ref := g.world
	if ref == "" {
		ref = defaultWorld
	}
	if ref != "" {
		return openWorld(g, ref, use)
	}
	cfg, err := config.Load(g.configPath)
	if err != nil {
		return nil, fmt.Errorf("%w\n(to try ecsmedic without AWS, run `ecsmedic demo` or pass --world FILE)", err)
	}
	// The config's level is the bot's; a one-shot command stays quiet
	// unless --log-level says otherwise. The format applies to both.
	level := g.logLevel
	if g.bot && !g.logLevelSet && cfg.Logging.Level != "" {
		level = cfg.Logging.Level
	}
	setupLogging(level, cfg.Logging.Format)
	// With several targets, each target's clients are built when a
	// command first needs them (targets.go); clients stays nil.
	var clients *aws.Clients
	var gatherer commands.Gatherer
	var targets *aws.Targets
	if len(cfg.Targets) > 0 {
		targets = newTargets(cfg)
		gatherer = targets
	} else {
		if clients, err = aws.NewClients(ctx, awsConfig(cfg)); err != nil {
			return nil, err
		}
		gatherer = clients
	}
	env := commands.Env{
		Prefix: cfg.Discord.Prefix,
		Locale: pick(g.locale, cfg.Discord.Locale),
		Limits: limits(cfg),
		AWS:    gatherer,
		Now:    time.Now,
		// Times in replies are shown in the team's zone, the one its
		// daily summary runs in.
		Location: cfg.Schedules.Summary.Location(),
	}
	env.Services = cfg.Services
	b := &backend{env: env, clients: clients, targets: targets, close: func() {}, redact: redact.New(redact.Options{KeepEmails: !cfg.Redact.Emails})}
	switch use {
	case stopHistory:
		if cfg.Storage.Engine == config.EngineDynamoDB {
			openSharedHistory(ctx, b, cfg)
		} else {
			openHistory(b, cfg.Storage.Path)
		}
	case changesIfFree, changeStore:
		if err := attachChanges(b, cfg, use); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// openHistory gives why the stop history of an existing store, read-only.
// Without one (never created, in use by the bot, damaged) the diagnosis
// goes on from what AWS still returns; damage is said.
func openHistory(b *backend, path string) {
	st, err := store.Open(path, store.Options{ReadOnly: true, Timeout: historyWait})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return
	case errors.Is(err, store.ErrInUse):
		slog.Info("the store is in use (is the bot running?): why goes without the stop history", "err", err)
		return
	case err != nil:
		slog.Warn("why goes without the stop history", "err", err)
		return
	}
	b.env.Stops, b.env.Audit, b.store = st, st, st
	prev := b.close
	b.close = func() { _ = st.Close(); prev() }
}

// openSharedHistory gives why the stop history in DynamoDB, which the
// running bot does not hold to itself.
func openSharedHistory(ctx context.Context, b *backend, cfg *config.Config) {
	st, err := openDynamo(ctx, cfg)
	if err != nil {
		slog.Warn("why goes without the stop history", "err", err)
		return
	}
	b.env.Stops, b.env.Audit, b.store = st, st, st
}

// loadWorld reads a world file, or a built-in world named builtin:NAME.
func loadWorld(ref string) (*world.World, error) {
	if name, ok := strings.CutPrefix(ref, "builtin:"); ok {
		return world.Builtin(name)
	}
	return world.Load(ref)
}

func openWorld(g *globals, ref string, use storeUse) (*backend, error) {
	w, err := loadWorld(ref)
	if err != nil {
		return nil, err
	}
	srv := sim.New(w, sim.Options{Freeze: g.freeze})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the simulator: %w", err)
	}
	slog.Debug("simulator serving the world", "world", ref, "endpoint", url)
	clients := aws.NewClientsForEndpoint(url, w.Region)
	// The readers' windows ("the last hour") must end at the world's
	// present, not the wall clock's, when the world is frozen.
	clients.Now = srv.Now
	env := commands.Env{
		Prefix:   "!",
		Locale:   pick(g.locale, "en"),
		AWS:      clients,
		Now:      srv.Now,
		Services: worldServices(w),
		// Show times in the zone the world was captured in (KST for the
		// club's incident), as the people who lived it read them.
		Location: w.Now.Location(),
	}
	b := &backend{env: env, clients: clients, sim: srv, close: func() {
		clients.CloseIdleConnections()
		_ = srv.Close()
	}}
	if use < changesIfFree {
		return b, nil
	}
	if err := attachChanges(b, nil, use); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// worldServices makes every service of a world nameable by its own name,
// with the cluster that holds it, so a world needs no config.
func worldServices(w *world.World) svcref.List {
	var refs svcref.List
	for _, s := range w.Services {
		name, _ := s["serviceName"].(string)
		arn, _ := s["clusterArn"].(string)
		refs = append(refs, svcref.Ref{Alias: name, Cluster: lastSegment(arn), Service: name})
	}
	return refs
}

func lastSegment(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func pick(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// awsConfig maps the config's aws section onto the client settings.
func awsConfig(cfg *config.Config) aws.Config {
	return aws.Config{
		Region:      cfg.AWS.Region,
		Profile:     cfg.AWS.Profile,
		RoleARN:     cfg.AWS.RoleARN,
		ExternalID:  cfg.AWS.ExternalID,
		Endpoint:    cfg.AWS.Endpoint,
		CallTimeout: cfg.AWS.CallTimeout,
		MaxAttempts: cfg.AWS.MaxAttempts,
	}
}

// limits are the largest sizes a remedy may suggest.
func limits(cfg *config.Config) diagnose.Limits {
	return diagnose.Limits{MaxCPU: cfg.Guards.Limits.CPU.Max, MaxMemoryMiB: cfg.Guards.Limits.Memory.Max}
}
