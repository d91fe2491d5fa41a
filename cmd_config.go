package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/config"
)

func newCheckConfigCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "Check the config file and print what was understood",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(g.configPath)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, cfg.Describe())
			for _, w := range cfg.Warnings() {
				fmt.Fprintln(out, w.String())
			}
			return nil
		},
	}
}
