package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/store"
)

// In a simulated world deployments move one step per poll (a host the
// cluster adds joins within a step): poll fast and give up sooner than
// against AWS.
const (
	worldPollEvery     = time.Second
	worldFollowTimeout = 2 * time.Minute
)

// pollEvery, when set, replaces the engine's poll interval; only the
// real-process tests set it (signals_test.go), so that a follow-up they
// wait on ends in milliseconds.
var pollEvery time.Duration

// newChangeCmds are the guarded changes as one-shots: the same plan as in
// chat, printed; --dry-run plans only, --yes approves it at once as the
// terminal operator (recorded in the audit as approved in the terminal).
func newChangeCmds(g *globals) []*cobra.Command {
	type spec struct{ use, short, example string }
	specs := []spec{
		{"scale SERVICE cpu UNITS | memory MIB | count N", "Plan a change of a service's CPU, memory or task count",
			"  ecsmedic scale backend cpu 1024 --dry-run\n  ecsmedic scale backend count 2 --world builtin:incident --yes"},
		{"reservation on|off [target PCT]", "Plan turning the cluster's reservation-based scaling on or off",
			"  ecsmedic reservation on --dry-run"},
		{"autoscale SERVICE on min N max M cpu PCT | off", "Plan the service's target-tracking auto scaling",
			"  ecsmedic autoscale backend on min 1 max 3 cpu 60 --dry-run"},
		{"healthcheck SERVICE grace|timeout|interval SECONDS | unhealthy N", "Plan a health check change",
			"  ecsmedic healthcheck backend grace 120 --dry-run"},
		{"rollback SERVICE [REVISION]", "Plan going back to an earlier task definition revision",
			"  ecsmedic rollback backend --dry-run\n  ecsmedic rollback backend 42"},
	}
	var out []*cobra.Command
	for _, s := range specs {
		name := strings.Fields(s.use)[0]
		var dry, yes bool
		cmd := &cobra.Command{
			Use: s.use, Short: s.short, Example: s.example,
			Args: cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return changeOneShot(cmd, g, name, args, dry, yes)
			},
		}
		cmd.Flags().BoolVar(&dry, "dry-run", false, "plan only: show the plan and the requests, send nothing, store nothing")
		cmd.Flags().BoolVar(&yes, "yes", false, "approve the plan at once as the terminal operator, apply it and follow it")
		out = append(out, cmd)
	}
	for _, d := range []struct{ name, short string }{
		{"approve", "Approve a planned change (as the terminal operator), apply it and follow it"},
		{"reject", "Reject a planned change"},
		{"cancel", "Withdraw a planned change"},
	} {
		out = append(out, &cobra.Command{
			Use: d.name + " ID", Short: d.short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return changeOneShot(cmd, g, d.name, args, false, false)
			},
		})
	}
	return out
}

// changeOneShot runs a change command once as the terminal operator.
func changeOneShot(cmd *cobra.Command, g *globals, name string, args []string, dry, yes bool) error {
	ctx := cmd.Context()
	b, err := openBackend(ctx, g, "", changeStore)
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("%w.\nWhile the bot runs, make changes in Discord: it holds the store", err)
	}
	if err != nil {
		return err
	}
	defer b.close()
	if b.sim == nil {
		// Against AWS: settle what an earlier run left half done, without
		// following its deployment (the bot or `approve ID` does that).
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := b.env.Changes.Settle(rctx)
		cancel()
		if err != nil {
			return fmt.Errorf("resuming interrupted changes: %w", err)
		}
	}
	r := commands.NewRouter(b.env)
	in := commands.Input{User: commands.ConsoleUser, UserName: operatorName(), Locale: b.env.Locale, Console: true}
	var msgs []reply.Message
	var decided change.Outcome
	if d, ok := commands.ParseDecision(name); ok {
		var m reply.Message
		decided, m = r.Decide(ctx, in, d, args[0])
		msgs = []reply.Message{m}
	} else {
		// The positional arguments are the words the chat takes after
		// the command, read by the router's own parser into its request.
		var planned change.Outcome
		planned, msgs = r.PlanArgs(ctx, in, name, args, dry)
		if yes && !dry && planned.Pending() {
			// Approved at once by the person at the terminal, who holds
			// the AWS credentials anyway: the audit says so.
			for _, m := range msgs {
				print1(cmd, m)
			}
			var m reply.Message
			decided, m = r.Decide(ctx, in, commands.Approve, planned.Change.ID)
			msgs = []reply.Message{m}
		}
	}
	failed := false
	for _, m := range msgs {
		print1(cmd, m)
		failed = failed || m.Failed
	}
	if ctx.Err() != nil && decided.Change.Status == store.StatusApplying {
		leftFollowUp(cmd, decided.Change, b.sim != nil)
		return exitCode(2)
	}
	if failed {
		return exitCode(2)
	}
	return nil
}

// leftFollowUp says what a signal left: the writes were sent, the
// deployment goes on in AWS, and who follows it now.
func leftFollowUp(cmd *cobra.Command, c store.Change, world bool) {
	if world {
		fmt.Fprintf(cmd.ErrOrStderr(), "Stopped following %s: the simulated world and its changes end with this command.\n", c.ID)
		return
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "Stopped following %[1]s: the change was applied and its deployment goes on in AWS.\n"+
		"See how it goes with `ecsmedic status %[2]s`; `ecsmedic approve %[1]s` follows it again, and the bot picks it up when it starts.\n",
		c.ID, c.Service)
}

func print1(cmd *cobra.Command, m reply.Message) {
	fmt.Fprintln(cmd.OutOrStdout(), reply.RenderText(m, reply.TextOptions{Color: isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == ""}))
}

// operatorName is who sits at the terminal, for the audit.
func operatorName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username + " (terminal)"
	}
	return "terminal"
}

// attachChanges gives a backend its change engine: over the config's store
// against AWS, or over a store in a temporary directory against a world
// (whose changes live only as long as the simulator). Progress of a
// deployment is printed as it goes.
// With changeStore it either sets b.env.Changes or returns an error, so a
// change command never runs without an engine.
func attachChanges(b *backend, cfg *config.Config, use storeUse) error {
	path := ""
	cleanup := func() {}
	render := commands.NewRouter(b.env)
	opt := commands.ChangeOptions(config.Defaults().Guards, config.Roles{})
	if cfg != nil {
		opt = commands.ChangeOptions(cfg.Guards, cfg.Discord.Roles)
	}
	opt.Now = time.Now
	opt.Update = func(o change.Outcome) {
		fmt.Fprintln(os.Stdout, reply.RenderText(render.ChangeReply("", o), reply.TextOptions{Color: isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == ""}))
	}
	if cfg != nil {
		path = cfg.Storage.Path
	} else {
		dir, err := os.MkdirTemp("", "ecsmedic-world-")
		if err != nil {
			return err
		}
		path = filepath.Join(dir, "ecsmedic.db")
		cleanup = func() { _ = os.RemoveAll(dir) }
		opt.PollEvery, opt.FollowTimeout = worldPollEvery, worldFollowTimeout
	}
	if pollEvery > 0 {
		opt.PollEvery = pollEvery
	}
	opt.Services = b.env.Services
	var st store.Engine
	var err error
	if cfg != nil {
		st, err = openEngine(context.Background(), cfg, store.Options{Timeout: 2 * time.Second})
	} else {
		st, err = store.Open(path, store.Options{Timeout: 2 * time.Second})
	}
	if errors.Is(err, store.ErrInUse) && cfg != nil && use == changesIfFree {
		// The bot holds the store: chat still answers, without the
		// stop history; changes are the bot's to make.
		slog.Warn("the store is in use (is the bot running?): guarded changes are made in chat, and why goes without the stop history", "err", err)
		cleanup()
		return nil
	}
	if err != nil {
		cleanup()
		return fmt.Errorf("opening the store for guarded changes: %w", err)
	}
	if b.targets != nil {
		opt.ClientsFor = b.targets.Clients // targets.go
	}
	eng := change.New(b.clients, st, opt)
	b.env.Changes, b.env.Stops, b.env.Audit, b.store, b.engine = eng, st, st, st, eng
	prev := b.close
	b.close = func() {
		eng.Close()
		_ = st.Close()
		cleanup()
		prev()
	}
	return nil
}
