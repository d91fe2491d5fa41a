package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/bot"
	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/mcpserver"
)

func newMCPCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "mcp",
		Short: "Serve why, status, logs, summary and postmortem to a coding agent (MCP over stdio; read-only)",
		Long: `mcp serves ecsmedic's reading commands as Model Context Protocol tools on
standard input and output, for a coding agent (Claude Code, Codex, Cursor…)
that starts it. The tools only read. propose_change posts a change's command
to the team's Discord channel (from --config) as a proposal: a person types
it there and an approver decides; nothing can be applied or approved through
MCP. Logs go to standard error; standard output is the protocol.`,
		Example: `  ecsmedic mcp --world builtin:incident --freeze
  ecsmedic mcp --config ecsmedic.yaml --locale ko`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := openBackend(cmd.Context(), g, "", stopHistory)
			if err != nil {
				return err
			}
			defer b.close()
			r := commands.NewRouter(b.env)
			srv, err := mcpserver.New(r, mcpserver.Options{
				Version: version,
				Locale:  b.env.Locale,
				Redact:  b.redact,
				// The agent gets the report itself, after the short reply,
				// since it has no use for a file it cannot open.
				Postmortem: func(ctx context.Context, svc string, since time.Duration, from commands.From) []reply.Message {
					pm := r.Postmortem(ctx, commands.PostmortemRequest{Service: svc, Since: since, From: from})
					if pm.Markdown == "" {
						return pm.Reply
					}
					return append(pm.Reply, reply.Message{Title: pm.FileName, Description: pm.Markdown})
				},
				Poster: mcpPoster(g),
			})
			if err != nil {
				return err
			}
			// Standard input and output, as the client started us; through
			// cobra's streams so a test can connect in-process.
			t := &mcp.IOTransport{Reader: io.NopCloser(cmd.InOrStdin()), Writer: nopWriteCloser{cmd.OutOrStdout()}}
			return srv.Run(cmd.Context(), t)
		},
	}
}

// nopWriteCloser leaves standard output open when the session ends.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// mcpPoster is where propose_change posts: the config's first command
// channel (where a person can type the command), else its alerts channel.
// Without a config, a channel or the token, proposals are not posted and
// the tool says so.
func mcpPoster(g *globals) mcpserver.Poster {
	if g.world != "" {
		return nil
	}
	cfg, err := config.Load(g.configPath)
	if err != nil {
		return nil
	}
	channel := cfg.Discord.Channels.Alerts
	if len(cfg.Discord.Channels.Commands) > 0 {
		channel = cfg.Discord.Channels.Commands[0]
	}
	if channel == "" {
		slog.Info("propose_change will not post: the config names no Discord channel (discord.channels)")
		return nil
	}
	p, err := bot.NewPoster(cfg.Discord, channel)
	if err != nil {
		slog.Info("propose_change will not post", "err", err)
		return nil
	}
	return p
}
