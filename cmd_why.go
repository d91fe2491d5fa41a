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
			req := commands.WhyRequest{Service: args[0], Since: since, From: commands.From{Locale: b.env.Locale}}
			if len(args) == 2 {
				req.TaskID = args[1]
			}
			if format == "json" {
				d, err := r.Diagnose(cmd.Context(), req)
				if err != nil {
					return err
				}
				b.redact.Strings(&d) // log lines and AWS's text, as in chat
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(d)
			}
			return printReplies(cmd, b, r.Why(cmd.Context(), req))
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json (the JSON is described in docs/why-json.md)")
	cmd.Flags().DurationVar(&since, "since", 0, "look back this far (default: the last hour, or back to the latest stop)")
	return cmd
}

func newStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status [SERVICE]",
		Short: "Running and desired tasks, CPU and memory against the reservation, target health",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return oneShot(cmd, g, func(r *commands.Router, from commands.From) []reply.Message {
				req := commands.StatusRequest{From: from}
				if len(args) == 1 {
					req.Service = args[0]
				}
				return r.Status(cmd.Context(), req)
			})
		},
	}
}

func newLogsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "logs SERVICE [TASK-ID] [N]",
		Short: "The last log lines of the service's most recently stopped (or a named) task",
		Args:  cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			return oneShot(cmd, g, func(r *commands.Router, from commands.From) []reply.Message {
				req, err := commands.ParseLogsArgs(args)
				if err != nil {
					return []reply.Message{r.ErrorReply(from, "logs", err)}
				}
				req.From = from
				return r.Logs(cmd.Context(), req)
			})
		},
	}
}

// oneShot answers one command once, in the configured language, and
// prints the reply.
func oneShot(cmd *cobra.Command, g *globals, ask func(*commands.Router, commands.From) []reply.Message) error {
	return oneShotWith(cmd, g, noStore, ask)
}

// oneShotWith is oneShot for a command that reads the store as use says.
func oneShotWith(cmd *cobra.Command, g *globals, use storeUse, ask func(*commands.Router, commands.From) []reply.Message) error {
	b, err := openBackend(cmd.Context(), g, "", use)
	if err != nil {
		return err
	}
	defer b.close()
	return printReplies(cmd, b, ask(commands.NewRouter(b.env), commands.From{Locale: b.env.Locale}))
}

// printReplies renders the replies for a terminal. A reply that reports a
// failure (bad arguments, an AWS error) makes the exit code non-zero, as
// docs/why-json.md promises.
func printReplies(cmd *cobra.Command, b *backend, msgs []reply.Message) error {
	failed := false
	for _, m := range msgs {
		fmt.Fprintln(cmd.OutOrStdout(), reply.RenderText(m, reply.TextOptions{Color: isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == "", Redactor: b.redact}))
		if m.Failed {
			failed = true
		}
	}
	if failed {
		return exitCode(2)
	}
	return nil
}
