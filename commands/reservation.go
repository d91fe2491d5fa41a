package commands

import (
	"context"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

func reservationCommand() command {
	return command{Name: "reservation", Run: runReservation}
}

// runReservation: `reservation on|off [target PCT] [cluster NAME] [--dry-run]`.
// The cluster is the configured services' (asked for when they span
// several).
func runReservation(ctx context.Context, r *Router, c *call) []reply.Message {
	args, dry := dryRunFlag(c.line.Args)
	req, err := parseReservation(args)
	if err == nil {
		req.Target.Cluster, err = r.cluster(req.Target.Cluster)
	}
	if err != nil {
		return []reply.Message{r.errorReply(c.p, "reservation", err)}
	}
	if m := r.changesReady(c, "reservation"); m != nil {
		return []reply.Message{*m}
	}
	return r.changed(c, r.env.Changes.Request(ctx, c.in.ask(dry), req))
}

func parseReservation(args []string) (change.Request, error) {
	var req change.Request
	if len(args) == 0 {
		return req, badArg("usage.on_off")
	}
	switch keyword(args[0]) {
	case "on":
		req.Kind = change.KindReservationOn
	case "off":
		req.Kind = change.KindReservationOff
	default:
		return req, badArg("usage.on_off")
	}
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		switch keyword(rest[i]) {
		case "target":
			if i+1 >= len(rest) || req.Kind != change.KindReservationOn {
				return req, badArg("usage.unexpected", "Arg", clip(rest[i], 40))
			}
			i++
			n, err := number(rest[i])
			if err != nil {
				return req, err
			}
			// 0 would mean "keep the current target" to the planner: a
			// typed 0 is refused with the range, never replaced.
			if n < 1 || n > 100 {
				return req, badArg("reason.reservation_target_out", "Value", n)
			}
			req.Percent = n
		case "cluster":
			if i+1 >= len(rest) {
				return req, badArg("usage.unexpected", "Arg", clip(rest[i], 40))
			}
			i++
			req.Target.Cluster = rest[i]
		default:
			return req, badArg("usage.unexpected", "Arg", clip(rest[i], 40))
		}
	}
	return req, nil
}

// cluster picks the cluster a cluster-wide command is about: the one
// named, else the only one the services are in.
func (r *Router) cluster(named string) (string, error) {
	var all []string
	for _, s := range r.env.Services {
		if !contains(all, s.Cluster) {
			all = append(all, s.Cluster)
		}
	}
	if named != "" {
		for _, c := range all {
			if strings.EqualFold(c, named) {
				return c, nil
			}
		}
		if len(all) == 0 {
			return named, nil
		}
		return "", badArg("usage.unknown_cluster", "Name", clip(named, 40), "Names", strings.Join(all, ", "))
	}
	switch len(all) {
	case 0:
		return "", badArg("usage.unknown_cluster", "Name", "-", "Names", "-")
	case 1:
		return all[0], nil
	}
	return "", badArg("usage.which_cluster", "Names", strings.Join(all, ", "))
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
