package main

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/aws/world"
	"github.com/ecsmedic/ecsmedic/aws/world/capture"
)

func newCaptureCmd(g *globals) *cobra.Command {
	var (
		out     string
		since   time.Duration
		cluster string
		lines   int
	)
	cmd := &cobra.Command{
		Use:   "capture SERVICE...",
		Short: "Write a world file from the live account, to replay or share an incident",
		Long: `capture reads the services from AWS (the config's cluster and credentials)
and writes a world file: the services, their task definitions, running and
recently stopped tasks, target health, container instances, scaling settings,
the last hours of metrics and the tasks' log lines. Replay it anywhere with

  ecsmedic why backend --world incident.yaml --freeze

The file can hold account ids and log lines: it is written with mode 0600;
review it before you share it.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			b, err := openBackend(ctx, g, "", noStore)
			if err != nil {
				return err
			}
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(math.MaxInt64) // a world is built in memory: no limit to thrash against
			}
			defer b.close()
			// Each argument may be a config alias or an ECS service name;
			// the services of each target and cluster are captured with
			// that target's clients, and one world holds them all
			// (several accounts and regions: docs/world-format.md).
			type group struct {
				target, cluster string
				names           []string
			}
			var groups []*group
			find := func(target, cluster string) *group {
				for _, gr := range groups {
					if gr.target == target && gr.cluster == cluster {
						return gr
					}
				}
				gr := &group{target: target, cluster: cluster}
				groups = append(groups, gr)
				return gr
			}
			var loose []string // names not in the config: the --cluster's, or the first service's
			for _, a := range args {
				ref, err := b.env.Resolve(a)
				if err != nil {
					loose = append(loose, a)
					continue
				}
				c := ref.Cluster
				if cluster != "" {
					c = cluster
				}
				gr := find(ref.Target, c)
				gr.names = append(gr.names, ref.Service)
			}
			if len(loose) > 0 {
				switch {
				case len(groups) > 0:
					groups[0].names = append(groups[0].names, loose...)
				case cluster != "":
					find("", cluster).names = loose
				default:
					return fmt.Errorf("which cluster? pass --cluster NAME, or name a service from the config")
				}
			}
			now := b.env.Now()
			var worlds []*world.World
			for _, gr := range groups {
				clients, err := b.clientsFor(ctx, gr.target)
				if err != nil {
					return err
				}
				w, err := capture.Capture(ctx, clients, gr.cluster, gr.names, capture.Options{Since: now.Add(-since), Until: now, LogLines: lines, Redact: b.redact})
				if err != nil {
					return err
				}
				worlds = append(worlds, w)
			}
			w := world.Combine(worlds)
			if err := world.Save(out, w); err != nil {
				return err
			}
			services, tasks, series, streams := 0, 0, 0, 0
			for _, x := range append([]*world.World{w}, w.Accounts...) {
				services, tasks, series, streams = services+len(x.Services), tasks+len(x.Tasks), series+len(x.Metrics), streams+len(x.Logs)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d services, %d tasks, %d metric series, %d log streams\n",
				out, services, tasks, series, streams)
			if len(w.Accounts) > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "  in %d accounts or regions: serve them together with `ecsmedic sim --world %s`\n", len(w.Accounts)+1, out)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "world.yaml", "the world file to write")
	f.DurationVar(&since, "since", 3*time.Hour, "how far back to read metrics")
	f.StringVar(&cluster, "cluster", "", "the cluster (default: the config's, or the service's)")
	f.IntVar(&lines, "log-lines", 200, "log lines to keep per task")
	return cmd
}
