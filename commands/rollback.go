package commands

import (
	"context"
	"strconv"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

func rollbackCommand() command {
	return command{Name: "rollback", Run: runRollback}
}

// runRollback: `rollback SERVICE [REVISION]`; REVISION is 42, backend:42
// or an ARN, and defaults to the previous ACTIVE one.
func runRollback(ctx context.Context, r *Router, c *call) []reply.Message {
	return r.request(ctx, c, "rollback", func(ref ServiceRef, args []string) (change.Request, error) {
		req := change.Request{Kind: change.KindRollback, Target: ref}
		switch len(args) {
		case 0:
			return req, nil
		case 1:
			s := args[0]
			if i := strings.LastIndexByte(s, ':'); i >= 0 {
				s = s[i+1:]
			}
			n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(s), "rev"))
			if err != nil || n < 1 {
				return req, badArg("usage.bad_revision", "Arg", clip(args[0], 60))
			}
			req.Value = n
			return req, nil
		}
		return req, badArg("usage.unexpected", "Arg", clip(args[1], 40))
	})
}
