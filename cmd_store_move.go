package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/store"
)

// storeMoveCmds move a store between engines (README "Choosing the
// store"): export | import, and create-table for a new DynamoDB table.
// Without --path they use the config's engine; --path names a bbolt file.
func storeMoveCmds(g *globals, path *string) []*cobra.Command {
	open := func(cmd *cobra.Command, readOnly bool) (store.Engine, string, error) {
		if *path != "" {
			st, err := store.Open(*path, store.Options{ReadOnly: readOnly, Timeout: storeWait})
			return st, *path, storeErr(err, *path)
		}
		cfg, err := config.Load(g.configPath)
		if err != nil {
			return nil, "", fmt.Errorf("%w\n(or name a bbolt store file with --path)", err)
		}
		where := cfg.Storage.Path
		if cfg.Storage.Engine == config.EngineDynamoDB {
			where = "DynamoDB table " + cfg.Storage.Table
			st, err := openDynamo(cmd.Context(), cfg)
			return st, where, err
		}
		st, err := store.Open(cfg.Storage.Path, store.Options{ReadOnly: readOnly, Timeout: storeWait})
		return st, where, storeErr(err, cfg.Storage.Path)
	}
	var out string
	export := &cobra.Command{
		Use:   "export [-o FILE]",
		Short: "Write every change, audit record, stop and schedule key as JSON lines (to move to another engine)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, where, err := open(cmd, true)
			if err != nil {
				return err
			}
			defer st.Close()
			w := cmd.OutOrStdout()
			if out != "" {
				f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
				if err != nil {
					return fmt.Errorf("writing the export: %w (it never overwrites a file: name a new one)", err)
				}
				defer f.Close()
				w = f
			}
			n, err := store.Export(st, w, time.Now())
			if err != nil {
				return fmt.Errorf("exporting %s: %w", where, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Exported %s from %s.\n", n, where)
			return nil
		},
	}
	export.Flags().StringVarP(&out, "output", "o", "", "write to FILE (a new file) instead of standard output")
	var merge bool
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Read an export into the store (an empty one, unless --merge); - reads standard input",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r io.Reader = cmd.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return fmt.Errorf("reading the export: %w", err)
				}
				defer f.Close()
				r = f
			}
			st, where, err := open(cmd, false)
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := store.Import(st, r, store.ImportOptions{Merge: merge})
			if err != nil {
				return fmt.Errorf("importing into %s: %w", where, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Imported %s into %s.\n", n, where)
			return nil
		},
	}
	imp.Flags().BoolVar(&merge, "merge", false, "import into a store that has records: keep them and add the rest")
	create := &cobra.Command{
		Use:   "create-table",
		Short: "Create the DynamoDB table the config names (storage.table), with TTL on",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(g.configPath)
			if err != nil {
				return err
			}
			if cfg.Storage.Engine != config.EngineDynamoDB {
				return fmt.Errorf("storage.engine is %s: create-table is for engine: dynamodb", cfg.Storage.Engine)
			}
			st, err := openDynamo(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Minute)
			defer cancel()
			if err := st.CreateTable(ctx); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "The DynamoDB table %s is ready.\n", cfg.Storage.Table)
			return nil
		},
	}
	return []*cobra.Command{export, imp, create}
}
