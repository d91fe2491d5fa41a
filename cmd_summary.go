package main

import (
	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/commands"
)

func newSummaryCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "summary",
		Short: "The daily summary, now: every service's stops, CPU and memory peaks and the cluster's room to grow",
		Example: `  ecsmedic summary --world builtin:incident --freeze
  ecsmedic summary --locale ko`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// The bot's stop history, when the store can be read, counts
			// stops ECS has already forgotten, as the scheduled summary does.
			b, err := openBackend(cmd.Context(), g, "", stopHistory)
			if err != nil {
				return err
			}
			defer b.close()
			r := commands.NewRouter(b.env)
			return printReplies(cmd, b, r.Summary(cmd.Context(), commands.SummaryRequest{From: commands.From{Locale: b.env.Locale}}))
		},
	}
}
