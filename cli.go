package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// globals are the flags every subcommand shares.
type globals struct {
	configPath string
	world      string
	freeze     bool
	locale     string
	logLevel   string
	// logLevelSet is true when --log-level was given: it then wins over
	// the config's logging.level.
	logLevelSet bool
	// bot is true for `ecsmedic run`, whose log level the config sets.
	bot bool
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "ecsmedic",
		Short: "A Discord chat-ops bot that tells you why your ECS tasks stopped",
		Long: `ecsmedic answers "why did my ECS tasks stop?" in one message, guards changes
behind an approval, and watches the cluster.

Try it with no Discord and no AWS account:
  ecsmedic demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			g.logLevelSet = cmd.Flags().Changed("log-level")
			setupLogging(g.logLevel, "auto")
		},
		// With no subcommand the bot runs: `ecsmedic` alone is `ecsmedic run`.
		RunE: func(cmd *cobra.Command, args []string) error { g.bot = true; return runBot(cmd, g) },
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.configPath, "config", "", "config file (default $ECSMEDIC_CONFIG or ./ecsmedic.yaml)")
	pf.StringVar(&g.world, "world", "", "answer from a world file instead of AWS (or builtin:incident)")
	pf.BoolVar(&g.freeze, "freeze", false, "with --world: keep the file's own times instead of shifting them to now")
	pf.StringVar(&g.locale, "locale", "", "reply language: en or ko (default from the config, else en)")
	pf.StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn or error")

	root.AddCommand(
		newRunCmd(g), newDemoCmd(g), newChatCmd(g), newWhyCmd(g), newStatusCmd(g), newLogsCmd(g),
		newSimCmd(g), newCaptureCmd(g), newCheckConfigCmd(g), newVersionCmd(), newMCPCmd(g),
	)
	root.AddCommand(newChangeCmds(g)...)
	root.AddCommand(newIAMPolicyCmd(g), newHealthCmd(g), newStoreCmd(g))
	root.AddCommand(newSummaryCmd(g), newPostmortemCmd(g))
	return root
}

// setupLogging sends logs to standard error: JSON for a machine (format
// "json", or "auto" when stderr is not a terminal, as in a container),
// text for a person at a terminal.
func setupLogging(level, format string) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: lv}
	json := format == "json" || (format != "text" && !isTerminal(os.Stderr))
	var h slog.Handler
	if json {
		h = slog.NewJSONHandler(os.Stderr, opts)
	} else {
		h = slog.NewTextHandler(os.Stderr, opts)
	}
	slog.SetDefault(slog.New(h))
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
