package commands

import (
	"context"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

func healthcheckCommand() command {
	return command{Name: "healthcheck", Run: runHealthcheck}
}

// runHealthcheck: `healthcheck SERVICE grace|timeout|interval|unhealthy N`.
func runHealthcheck(ctx context.Context, r *Router, c *call) []reply.Message {
	return r.request(ctx, c, "healthcheck", func(ref ServiceRef, args []string) (change.Request, error) {
		req := change.Request{Target: ref}
		if len(args) != 2 {
			return req, badArg("usage.healthcheck_what")
		}
		switch strings.ToLower(args[0]) {
		case "grace", "grace-period":
			req.Kind = change.KindGrace
		case "timeout":
			req.Kind = change.KindHCTimeout
		case "interval":
			req.Kind = change.KindHCInterval
		case "unhealthy", "unhealthy-threshold":
			req.Kind = change.KindHCUnhealthy
		default:
			return req, badArg("usage.healthcheck_what")
		}
		n, err := number(args[1])
		if err != nil {
			return req, err
		}
		req.Value = n
		return req, nil
	})
}
