package commands

import (
	"context"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

func scaleCommand() command {
	return command{Name: "scale", Run: runScale}
}

// runScale: `scale SERVICE cpu UNITS | memory MIB | count N [--dry-run]`.
func runScale(ctx context.Context, r *Router, c *call) []reply.Message {
	return r.request(ctx, c, "scale", func(ref ServiceRef, args []string) (change.Request, error) {
		req := change.Request{Target: ref}
		if len(args) < 2 {
			return req, badArg("usage.scale_what")
		}
		switch keyword(args[0]) {
		case "cpu", "vcpu":
			req.Kind = change.KindScaleCPU
		case "memory":
			req.Kind = change.KindScaleMemory
		case "count":
			req.Kind = change.KindScaleCount
		default:
			return req, badArg("usage.scale_what")
		}
		n, err := number(args[1])
		if err != nil {
			return req, err
		}
		if len(args) > 2 {
			return req, badArg("usage.unexpected", "Arg", clip(args[2], 40))
		}
		req.Value = n
		return req, nil
	})
}
