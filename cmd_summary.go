package main

import (
	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
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
			// the stops ECS has forgotten, as the scheduled summary does.
			return oneShotWith(cmd, g, stopHistory, func(r *commands.Router, from commands.From) []reply.Message {
				return r.Summary(cmd.Context(), commands.SummaryRequest{From: from})
			})
		},
	}
}
