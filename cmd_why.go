package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

func newWhyCmd(g *globals) *cobra.Command {
	var format string
	var since time.Duration
	cmd := &cobra.Command{
		Use:   "why SERVICE [TASK-ID]",
		Short: "Why did the service's tasks stop? (the diagnosis, once)",
		Example: `  ecsmedic why backend --world builtin:incident --freeze
  ecsmedic why backend --format json
  ecsmedic why backend 5e1f6c3a --since 6h`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: use text or json", format)
			}
			b, err := openBackend(cmd.Context(), g, "", stopHistory)
			if err != nil {
				return err
			}
			defer b.close()
			r := commands.NewRouter(b.env)
			wargs := commands.WhyArgs{Since: since}
			if len(args) == 2 {
				wargs.TaskID = args[1]
			}
			if format == "json" {
				d, err := r.Why(cmd.Context(), args[0], wargs)
				if err != nil {
					return err
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(d)
			}
			line := "!why " + args[0]
			if wargs.TaskID != "" {
				line += " " + wargs.TaskID
			}
			if since > 0 {
				line += " since " + since.String()
			}
			return printReplies(cmd, r, b, line)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json (json is the contract in diagnosis.md)")
	cmd.Flags().DurationVar(&since, "since", 0, "look back this far (default: the last hour, or back to the latest stop)")
	return cmd
}

func newStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status [SERVICE]",
		Short: "Running and desired tasks, CPU and memory against the reservation, target health",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return oneShot(cmd, g, "!status", args)
		},
	}
}

func newLogsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "logs SERVICE [TASK-ID] [N]",
		Short: "The last log lines of the service's most recently stopped (or a named) task",
		Args:  cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			return oneShot(cmd, g, "!logs", args)
		},
	}
}

// oneShot runs a chat command once and prints its reply.
func oneShot(cmd *cobra.Command, g *globals, name string, args []string) error {
	b, err := openBackend(cmd.Context(), g, "", noStore)
	if err != nil {
		return err
	}
	defer b.close()
	line := name
	for _, a := range args {
		line += " " + a
	}
	return printReplies(cmd, commands.NewRouter(b.env), b, line)
}

// printReplies renders the replies for a terminal. A reply that reports a
// failure (bad arguments, an AWS error) makes the exit code non-zero, as
// diagnosis.md asks.
func printReplies(cmd *cobra.Command, r *commands.Router, b *backend, line string) error {
	msgs := r.Handle(cmd.Context(), commands.Input{Text: line, Locale: b.env.Locale})
	failed := false
	for _, m := range msgs {
		fmt.Fprintln(cmd.OutOrStdout(), reply.RenderText(m, reply.TextOptions{Color: isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == ""}))
		if m.Failed {
			failed = true
		}
	}
	if failed {
		return exitCode(2)
	}
	return nil
}
