package main

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/bot"
	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/config"
)

// runBot connects to Discord and answers until SIGTERM or SIGINT (the
// root's context ends on them), then shuts down cleanly.
func runBot(cmd *cobra.Command, g *globals) error {
	ctx := cmd.Context()
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
	be, err := openBackend(ctx, g, "")
	if err != nil {
		return err
	}
	defer be.close()
	key, err := bot.LoadButtonKey(cfg.Storage.Path)
	if err != nil {
		return err
	}
	b, err := bot.New(bot.BotConfig{
		Discord:   cfg.Discord,
		Services:  be.env.Services,
		HTTPAddr:  cfg.HTTP.Addr,
		ButtonKey: key,
	}, commands.NewRouter(be.env))
	if err != nil {
		return err
	}
	be.clients.Observe(b.Metrics().ObserveAWS)
	return b.Run(ctx)
}
