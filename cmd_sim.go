package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/aws/sim"
	"github.com/ecsmedic/ecsmedic/aws/world"
)

func newSimCmd(g *globals) *cobra.Command {
	var (
		addr        string
		latency     time.Duration
		fails       []string
		save        string
		allowRemote bool
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve a world file over the AWS APIs on loopback, for any AWS client",
		Long: `sim answers the AWS APIs ecsmedic uses (ECS, CloudWatch, CloudWatch Logs,
ELBv2, EC2 Auto Scaling, Application Auto Scaling, STS) from a world file, so
the aws CLI, an SDK or ecsmedic itself can be pointed at it:

  ecsmedic sim --world builtin:incident --freeze
  aws --endpoint-url http://127.0.0.1:4566 ecs describe-services \
      --cluster codedang --services backend

Changes (UpdateService, RegisterTaskDefinition, …) live in memory; --save
writes the changed world when sim stops.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := g.world
			if ref == "" {
				ref = incidentWorld
			}
			w, err := loadWorld(ref)
			if err != nil {
				return err
			}
			var faults []sim.Fault
			for _, spec := range fails {
				f, err := sim.ParseFault(spec)
				if err != nil {
					return err
				}
				faults = append(faults, f)
			}
			srv := sim.New(w, sim.Options{Latency: latency, Faults: faults, Freeze: g.freeze, AllowRemote: allowRemote})
			url, err := srv.Listen(addr)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "ecsmedic sim: serving %s at %s (region %s)\n", ref, url, pick(w.Region, "us-east-1"))
			// --endpoint-url on every call: Debian's aws CLI (2.9) ignores
			// AWS_ENDPOINT_URL (2.13+) and would ask AWS itself.
			fmt.Fprintf(out, "  export AWS_DEFAULT_REGION=%s AWS_ACCESS_KEY_ID=sim AWS_SECRET_ACCESS_KEY=sim\n", pick(w.Region, "us-east-1"))
			fmt.Fprintf(out, "  aws --endpoint-url %s ecs list-services --cluster %s\n", url, firstCluster(w))
			fmt.Fprintln(out, "Stop with Ctrl-C.")
			<-cmd.Context().Done()
			if err := srv.Close(); err != nil {
				return err
			}
			if save != "" {
				if err := world.Save(save, srv.World()); err != nil {
					return err
				}
				fmt.Fprintf(out, "saved the changed world to %s\n", save)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:4566", "address to listen on (loopback only unless --allow-remote)")
	f.DurationVar(&latency, "latency", 0, "add this delay to every answer, like a far-away Region (e.g. 100ms)")
	f.StringArrayVar(&fails, "fail", nil, "inject a fault: [SERVICE:]OPERATION[@N|@N+][=KIND], KIND throttle, 500, 503, timeout, accessdenied, reset (no answer, not applied), reset-after (applied, no answer) or an error code (repeatable)")
	f.StringVar(&save, "save", "", "when stopping, write the world with every change made to this file")
	f.BoolVar(&allowRemote, "allow-remote", false, "listen on a non-loopback address (the simulator has no authentication)")
	return cmd
}

func firstCluster(w *world.World) string {
	for _, c := range w.Clusters {
		if n, ok := c["clusterName"].(string); ok {
			return n
		}
	}
	return "default"
}
