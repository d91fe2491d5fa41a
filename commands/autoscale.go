package commands

import (
	"context"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

func autoscaleCommand() command {
	return command{Name: "autoscale", Run: runAutoscale}
}

// runAutoscale: `autoscale SERVICE on min N max M cpu PCT | off [--dry-run]`.
func runAutoscale(ctx context.Context, r *Router, c *call) []reply.Message {
	return r.request(ctx, c, "autoscale", func(ref ServiceRef, args []string) (change.Request, error) {
		req := change.Request{Target: ref}
		if len(args) == 0 {
			return req, badArg("usage.on_off")
		}
		switch keyword(args[0]) {
		case "off":
			req.Kind = change.KindAutoscaleOff
			if len(args) > 1 {
				return req, badArg("usage.unexpected", "Arg", clip(args[1], 40))
			}
			return req, nil
		case "on":
			req.Kind = change.KindAutoscaleOn
		default:
			return req, badArg("usage.on_off")
		}
		rest := args[1:]
		seen := map[string]bool{}
		for i := 0; i < len(rest); i++ {
			key := strings.ToLower(rest[i])
			if key != "min" && key != "max" && key != "cpu" {
				return req, badArg("usage.autoscale_args")
			}
			if i+1 >= len(rest) {
				return req, badArg("usage.autoscale_args")
			}
			i++
			n, err := number(rest[i])
			if err != nil {
				return req, err
			}
			seen[key] = true
			switch key {
			case "min":
				req.Min = n
			case "max":
				req.Max = n
			case "cpu":
				req.Percent = n
			}
		}
		if !seen["min"] || !seen["max"] || !seen["cpu"] {
			return req, badArg("usage.autoscale_args")
		}
		return req, nil
	})
}
