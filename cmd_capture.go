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
			// Each argument may be a config alias or an ECS service name.
			clusterName, names, target := cluster, make([]string, 0, len(args)), ""
			for _, a := range args {
				ref, err := b.env.Resolve(a)
				if err != nil {
					names = append(names, a)
					continue
				}
				names = append(names, ref.Service)
				if clusterName == "" {
					clusterName, target = ref.Cluster, ref.Target
				}
			}
			if clusterName == "" {
				return fmt.Errorf("which cluster? pass --cluster NAME, or name a service from the config")
			}
			now := b.env.Now()
			clients, err := b.clientsFor(ctx, target)
			if err != nil {
				return err
			}
			w, err := capture.Capture(ctx, clients, clusterName, names, capture.Options{Since: now.Add(-since), Until: now, LogLines: lines})
			if err != nil {
				return err
			}
			if err := world.Save(out, w); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d services, %d tasks, %d metric series, %d log streams\n",
				out, len(w.Services), len(w.Tasks), len(w.Metrics), len(w.Logs))
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
