package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
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
	sim     *sim.Server  // nil against real AWS
	store   *store.Store // the embedded store, opened once (cmd_change.go)
	close   func()
	// redact masks secrets in replies; nil (a world, no config) masks
	// everything.
	redact *redact.Redactor
}

// openBackend chooses the world when --world is given (or the command
// has a default world, as demo does), else the config and real AWS.
func openBackend(ctx context.Context, g *globals, defaultWorld string) (*backend, error) {
	ref := g.world
	if ref == "" {
		ref = defaultWorld
	}
	if ref != "" {
		return openWorld(g, ref)
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
	clients, err := aws.NewClients(ctx, awsConfig(cfg))
	if err != nil {
		return nil, err
	}
	env := commands.Env{
		Prefix: cfg.Discord.Prefix,
		Locale: pick(g.locale, cfg.Discord.Locale),
		Limits: limits(cfg),
		AWS:    clients,
		Now:    time.Now,
		// Times in replies are shown in the team's zone, the one its
		// daily summary runs in.
		Location: cfg.Schedules.Summary.Location(),
	}
	env.Services = cfg.Services
	b := &backend{env: env, clients: clients, close: func() {}, redact: redact.New(redact.Options{KeepEmails: !cfg.Redact.Emails})}
	if err := attachChanges(b, cfg); err != nil {
		return nil, err
	}
	return b, nil
}

// loadWorld reads a world file, or a built-in world named builtin:NAME.
func loadWorld(ref string) (*world.World, error) {
	if name, ok := strings.CutPrefix(ref, "builtin:"); ok {
		return world.Builtin(name)
	}
	return world.Load(ref)
}

func openWorld(g *globals, ref string) (*backend, error) {
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
	if err := attachChanges(b, nil); err != nil {
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
