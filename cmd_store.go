package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/config"
	"github.com/ecsmedic/ecsmedic/store"
)

const (
	// storeWait is how long the store commands wait for the store's lock.
	storeWait = 2 * time.Second
	// botBackupEvery is how often the bot refreshes its backup of the
	// store (store.BackupPath), which `store backup` cannot take while the
	// bot holds the file.
	botBackupEvery = 24 * time.Hour
)

func newStoreCmd(g *globals) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Check, back up, restore, export or import the store",
		Long: `The store holds pending changes and their approvals, the audit log and the
stop history. These commands work on it while no ecsmedic has it open; the
running bot keeps its own backup beside it (storage.path + ".bak"), written
when it starts and every 24 hours.`,
	}
	cmd.PersistentFlags().StringVar(&path, "path", "", "the store file (default: storage.path of the config)")
	// sub is a subcommand on the store file: --path, else the config's.
	sub := func(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, p string, args []string) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: args, RunE: func(cmd *cobra.Command, args []string) error {
			p := path
			if p == "" {
				cfg, err := config.Load(g.configPath)
				if err != nil {
					return fmt.Errorf("%w\n(or name the store file with --path)", err)
				}
				if cfg.Storage.Engine == config.EngineDynamoDB {
					return fmt.Errorf("`ecsmedic store %s` works on a bbolt store file, and the config's store is the DynamoDB table %s: "+
						"DynamoDB keeps it whole itself (turn on point-in-time recovery for backups); `ecsmedic store export` copies it; --path names a bbolt file",
						cmd.Name(), cfg.Storage.Table)
				}
				p = cfg.Storage.Path
			}
			return run(cmd, p, args)
		}}
	}
	cmd.AddCommand(
		sub("check", "Check every page and record of the store; exit code 2 when something is damaged", cobra.NoArgs,
			func(cmd *cobra.Command, p string, _ []string) error {
				rep, err := store.Check(p, storeWait)
				if err != nil {
					return storeErr(err, p)
				}
				printReport(cmd.OutOrStdout(), rep)
				if !rep.OK() {
					return exitCode(2)
				}
				return nil
			}),
		sub("backup FILE", "Write a consistent copy of the store to FILE", cobra.ExactArgs(1),
			func(cmd *cobra.Command, p string, args []string) error {
				if err := store.Backup(p, args[0], storeWait); err != nil {
					return storeErr(err, p)
				}
				rep, err := store.Check(args[0], storeWait)
				if err != nil {
					return fmt.Errorf("the backup %s was written but does not check: %w", args[0], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Backed up %s to %s.\n", p, args[0])
				printReport(cmd.OutOrStdout(), rep)
				return nil
			}),
		sub("restore FILE", "Check the backup FILE, then put it in place of the store (the replaced file is kept)", cobra.ExactArgs(1),
			func(cmd *cobra.Command, p string, args []string) error {
				aside, rep, err := store.Restore(args[0], p, storeWait)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Restored %s from %s.\n", p, args[0])
				if aside != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "The store it replaced is kept as %s.\n", aside)
				}
				printReport(cmd.OutOrStdout(), rep)
				return nil
			}),
	)
	cmd.AddCommand(storeMoveCmds(g, &path)...)
	return cmd
}

// storeErr adds what to do when the bot holds the store.
func storeErr(err error, path string) error {
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("%w.\nThe running bot keeps a consistent backup at %s (written when it starts and every 24 hours): "+
			"check or copy that one (--path %s), or stop the bot and run this again", err, store.BackupPath(path), store.BackupPath(path))
	}
	return err
}

func printReport(w io.Writer, rep store.Report) {
	fmt.Fprintf(w, "Store %s: %d KiB\n", rep.Path, rep.Size>>10)
	var counts []string
	for _, b := range []struct{ bucket, name string }{
		{"changes", "changes"}, {"locks", "service locks"}, {"audit", "audit records"},
		{"stops", "stops"}, {"stops_by_svc", "stop index entries"}, {"kv", "schedule keys"},
	} {
		counts = append(counts, fmt.Sprintf("%d %s", rep.Records[b.bucket], b.name))
	}
	fmt.Fprintf(w, "  %s\n", strings.Join(counts, " · "))
	if len(rep.Problems) > 0 {
		fmt.Fprintf(w, "Damaged: bbolt's check found %d problem(s) in the file's pages:\n", len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		fmt.Fprintf(w, "Restore a backup with `ecsmedic store restore BACKUP` (the bot keeps one at %s).\n", store.BackupPath(rep.Path))
		return
	}
	if len(rep.Bad) > 0 {
		fmt.Fprintf(w, "%d damaged record(s); lists leave them out and everything else works:\n", len(rep.Bad))
		for _, b := range rep.Bad {
			fmt.Fprintf(w, "  %s %s: %v\n", b.Bucket, b.Key, b.Err)
		}
		return
	}
	fmt.Fprintln(w, "OK: no damage found.")
}

// keepBackups is the bot's backup of its store: at start and every
// botBackupEvery, a snapshot that writes may go on beside.
func keepBackups(ctx context.Context, st *store.Store) error {
	t := time.NewTicker(botBackupEvery)
	defer t.Stop()
	dst := store.BackupPath(st.Path())
	for {
		if err := st.Backup(dst); err != nil {
			slog.Warn("could not back up the store", "to", dst, "err", err)
		} else {
			slog.Info("backed up the store", "to", dst)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
