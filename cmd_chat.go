package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/commands"
)

// incidentWorld is the club's backend-137 incident, built into the binary.
const incidentWorld = "builtin:incident"

func newDemoCmd(g *globals) *cobra.Command {
	var saveDir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Chat with ecsmedic in the terminal about a built-in incident (no Discord, no AWS)",
		Long: `demo replays the incident ecsmedic was built for: a backend on a small EC2
cluster, CPU-starved at 99 % of its reservation during a sign-up rush, killed
after failing load-balancer health checks (exit 137). Ask it:

  !why backend      why did the backend's task stop?
  !status           how are the services now?
  !logs backend     the last log lines before the stop
  !help             everything else

Then fix it as the club did: !reservation on, then !scale backend cpu 1024.
Each change is a plan first; the terminal is the operator console, so
approve it yourself by pressing 1 (or !approve ID). The simulated cluster
adds the EC2 host the bigger task needs, and the deployment is followed
until the backend is steady.

The times are the incident's own (17 April 2024, 13:34 KST).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// The demo keeps the incident's own times, so the story reads
			// as it happened and the replies are the same every run.
			g.freeze = true
			return chat(cmd, g, incidentWorld, saveDir, "demo.no_input")
		},
	}
	cmd.Flags().StringVar(&saveDir, "save-charts", "", "save chart PNGs into this directory")
	return cmd
}

func newChatCmd(g *globals) *cobra.Command {
	var saveDir string
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Chat with ecsmedic in the terminal, against AWS (from the config) or --world",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return chat(cmd, g, "", saveDir, "chat.no_input")
		},
	}
	cmd.Flags().StringVar(&saveDir, "save-charts", "", "save chart PNGs into this directory")
	return cmd
}

// chat runs the terminal chat; noInput is the message that explains it
// when its input ends before any command.
func chat(cmd *cobra.Command, g *globals, defaultWorld, saveDir, noInput string) error {
	ctx := cmd.Context()
	b, err := openBackend(ctx, g, defaultWorld, changesIfFree)
	if err != nil {
		return err
	}
	defer b.close()
	interactive := isTerminal(os.Stdin) && isTerminal(os.Stdout)
	opt := commands.ChatOptions{
		Color:   isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == "",
		Prompt:  interactive,
		SaveDir: saveDir,
		Locale:  b.env.Locale,
		Redact:  b.redact,
		NoInput: noInput,
	}
	return commands.Chat(ctx, commands.NewRouter(b.env), cmd.InOrStdin(), cmd.OutOrStdout(), opt)
}
