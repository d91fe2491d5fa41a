package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/commands"
)

func newPostmortemCmd(g *globals) *cobra.Command {
	var since time.Duration
	var out string
	cmd := &cobra.Command{
		Use:   "postmortem SERVICE",
		Short: "Write a draft incident report (post-mortem) of a service, in Markdown",
		Long: `Writes a draft post-mortem of the service: summary, impact, timeline, root
cause with its evidence, the changes made through ecsmedic (from the audit)
and the follow-ups still open. It is built from the diagnosis (as why), the
bot's stop history and the change audit in the store; when the store cannot
be read (none yet, or the bot holds it) the report says so.`,
		Example: `  ecsmedic postmortem backend --world builtin:incident --freeze
  ecsmedic postmortem backend --since 12h --locale ko -o postmortem.md`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := openBackend(cmd.Context(), g, "", stopHistory)
			if err != nil {
				return err
			}
			defer b.close()
			r := commands.NewRouter(b.env)
			pm := r.Postmortem(cmd.Context(), commands.PostmortemRequest{Service: args[0], Since: since, From: commands.From{Locale: b.env.Locale}})
			if pm.Markdown == "" {
				return printReplies(cmd, b, pm.Reply)
			}
			md := b.redact.String(pm.Markdown) // it quotes AWS, as chat does
			if out == "" || out == "-" {
				_, err := fmt.Fprint(cmd.OutOrStdout(), md)
				return err
			}
			if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
				return fmt.Errorf("writing the post-mortem: %w (choose another file with -o)", err)
			}
			for i := range pm.Reply {
				pm.Reply[i].Attachments = nil // written to out instead
			}
			if err := printReplies(cmd, b, pm.Reply); err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), "wrote "+out)
			return err
		},
	}
	cmd.Flags().DurationVar(&since, "since", 0, "look back this far (default 6h)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the Markdown to this file (default: standard output)")
	return cmd
}
