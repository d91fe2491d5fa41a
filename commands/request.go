package commands

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// The typed entry points: what the command line, slash commands and
// buttons call with the values they already have. Only Handle reads chat
// text, and it calls these same functions, so every front-end gets the same
// answer. Each request says who asks (From); the guarded changes get their
// own requests the same way.

// From is who asks, and in which language the answer should be.
type From struct {
	User   string // the platform's user ID; "" at the terminal
	Locale string // "en" or "ko" overrides Env.Locale; anything else is ignored
}

// WhyRequest asks why a service's tasks stopped.
type WhyRequest struct {
	Service string        // alias or ECS service name
	TaskID  string        // a task ID, a unique prefix of 6+ characters or a task ARN; "" = the latest stop
	Since   time.Duration // how far back to look; 0 = the default
	From
}

// StatusRequest asks how one service (or, with Service "", every one) is.
type StatusRequest struct {
	Service string
	From
}

// LogsRequest asks for a task's last log lines.
type LogsRequest struct {
	Service string
	TaskID  string // as in WhyRequest; "" = the latest stopped task
	Lines   int    // 0 = the default; more than the most is cut to it
	From
}

// SummaryRequest asks for the daily summary, now.
type SummaryRequest struct {
	From
}

// HelpRequest asks for the list of commands, or for one (Command).
type HelpRequest struct {
	Command string
	From
}

// Why answers a WhyRequest: the diagnosis as a reply, or a reply that
// says what is wrong with the request (Failed set).
func (r *Router) Why(ctx context.Context, req WhyRequest) []reply.Message {
	return r.answer(ctx, "why", req.From, func(ctx context.Context, p text.Printer) []reply.Message {
		return []reply.Message{r.why(ctx, p, req)}
	})
}

// Status answers a StatusRequest, one message per service.
func (r *Router) Status(ctx context.Context, req StatusRequest) []reply.Message {
	return r.answer(ctx, "status", req.From, func(ctx context.Context, p text.Printer) []reply.Message {
		ms, err := r.status(ctx, p, req.Service)
		if err != nil {
			return []reply.Message{r.errorReply(p, "status", err)}
		}
		return ms
	})
}

// Logs answers a LogsRequest.
func (r *Router) Logs(ctx context.Context, req LogsRequest) []reply.Message {
	return r.answer(ctx, "logs", req.From, func(ctx context.Context, p text.Printer) []reply.Message {
		m, err := r.logs(ctx, p, req)
		if err != nil {
			return []reply.Message{r.errorReply(p, "logs", err)}
		}
		return []reply.Message{m}
	})
}

// Summary is the daily summary as one message, for the schedule, the
// command line and the chat. When nothing could be read it is an error
// reply (Failed set).
func (r *Router) Summary(ctx context.Context, req SummaryRequest) []reply.Message {
	return r.answer(ctx, "summary", req.From, func(ctx context.Context, p text.Printer) []reply.Message {
		return []reply.Message{r.summary(ctx, p)}
	})
}

// Help answers a HelpRequest.
func (r *Router) Help(ctx context.Context, req HelpRequest) []reply.Message {
	return r.answer(ctx, "help", req.From, func(_ context.Context, p text.Printer) []reply.Message {
		return []reply.Message{r.help(p, req)}
	})
}

// ErrorReply words err, met while reading the arguments of command, for
// a front-end that reads its own arguments (ParseSince, ParseLogsArgs).
func (r *Router) ErrorReply(from From, command string, err error) reply.Message {
	return explain.Fit(r.errorReply(r.printer(from.Locale), command, err))
}

// answer runs one command within the command timeout, in the asker's
// language, cut to the platform's limits; a panic becomes an apology.
func (r *Router) answer(ctx context.Context, name string, from From, fn func(context.Context, text.Printer) []reply.Message) (out []reply.Message) {
	p := r.printer(from.Locale)
	defer func() {
		if v := recover(); v != nil {
			slog.Error("command panicked", "command", name, "panic", v, "stack", string(debug.Stack()))
			out = []reply.Message{{Title: p.T("error.internal.title"), Description: p.T("error.internal"), Severity: reply.Critical, Failed: true}}
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, gatherTimeout)
	defer cancel()
	return explain.FitAll(fn(ctx, p))
}
