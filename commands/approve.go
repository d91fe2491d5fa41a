package commands

import (
	"context"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/reply"
)

func approveCommand() command {
	return command{Name: "approve", Run: decide("approve")}
}

func rejectCommand() command {
	return command{Name: "reject", Run: decide("reject")}
}

func cancelCommand() command {
	return command{Name: "cancel", Run: decide("cancel")}
}

// decide answers `approve ID`, `reject ID` and `cancel ID`, and the
// buttons' "approve:ID" and "reject:ID".
func decide(cmd string) func(ctx context.Context, r *Router, c *call) []reply.Message {
	return func(ctx context.Context, r *Router, c *call) []reply.Message {
		if len(c.line.Args) != 1 {
			return []reply.Message{r.errorReply(c.p, cmd, badArg("usage.need_id", "Command", cmd))}
		}
		if m := r.changesReady(c, cmd); m != nil {
			return []reply.Message{*m}
		}
		id := c.line.Args[0]
		ask := c.ask(r, false)
		switch cmd {
		case "approve":
			return []reply.Message{r.env.Changes.Approve(ctx, ask, id)}
		case "reject":
			return []reply.Message{r.env.Changes.Reject(ctx, ask, id)}
		}
		return []reply.Message{r.env.Changes.Cancel(ctx, ask, id)}
	}
}

// buttonLine turns a button's "approve:ID" into "approve ID".
func buttonLine(l Line) Line {
	for _, cmd := range []string{"approve", "reject", "cancel"} {
		if id, ok := strings.CutPrefix(l.Command, cmd+":"); ok && id != "" {
			return Line{Command: cmd, Args: append([]string{id}, l.Args...)}
		}
	}
	return l
}
