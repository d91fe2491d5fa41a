package commands

import (
	"context"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/explain"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
	"github.com/ecsmedic/ecsmedic/svcref"
)

func logsCommand() command {
	return command{Name: "logs", Run: runLogs}
}

func runLogs(ctx context.Context, r *Router, c *call) []reply.Message {
	req, err := ParseLogsArgs(c.line.Args)
	if err != nil {
		return []reply.Message{r.errorReply(c.p, "logs", err)}
	}
	req.From = c.from()
	m, err := r.logs(ctx, c.p, req)
	if err != nil {
		return []reply.Message{r.errorReply(c.p, "logs", err)}
	}
	return []reply.Message{m}
}

// ParseLogsArgs reads the words after `logs`, `SERVICE [TASK-ID] [N]`, as
// the chat and the command line take them.
func ParseLogsArgs(args []string) (LogsRequest, error) {
	name, a, err := parseLogs(args)
	return LogsRequest{Service: name, TaskID: a.TaskID, Lines: a.Lines}, err
}

func (r *Router) logs(ctx context.Context, p text.Printer, req LogsRequest) (reply.Message, error) {
	if req.Service == "" {
		return reply.Message{}, badArg("usage.need_service", "Command", "logs")
	}
	id := req.TaskID
	if id != "" {
		if id = taskID(req.TaskID); id == "" {
			return reply.Message{}, badArg("usage.unexpected", "Arg", req.TaskID, "Command", "logs")
		}
	}
	if req.Lines < 0 {
		return reply.Message{}, badArg("usage.bad_lines", "Arg", req.Lines, "Max", maxLogLines)
	}
	ref, err := r.env.Resolve(req.Service)
	if err != nil {
		return reply.Message{}, err
	}
	if r.env.AWS == nil {
		return reply.Message{}, errNoAWS
	}
	n := req.Lines
	if n <= 0 {
		n = defaultLogLines
	}
	n = min(n, maxLogLines)
	snap, err := r.env.AWS.GatherService(svcref.WithTarget(ctx, ref.Target), ref.Cluster, ref.Service, aws.GatherOptions{LogLines: n})
	if err != nil {
		return reply.Message{}, err
	}
	return renderLogs(p, ref, snap, id, n, r.env.prefix(), r.env.loc()), nil
}

// pickTask chooses whose logs to show: the named task, else the most
// recently stopped one, else a running one. It returns the ARN, whether the
// task stopped, and when.
func pickTask(snap *aws.ServiceSnapshot, id string) (arn string, stopped bool, found bool) {
	match := func(a string) bool {
		return id != "" && strings.HasPrefix(strings.ToLower(a[strings.LastIndex(a, "/")+1:]), id)
	}
	for _, t := range snap.Stopped {
		if a := deref(t.TaskArn); (id == "" && a != "") || match(a) {
			return a, true, true
		}
	}
	for _, t := range snap.Running {
		if a := deref(t.TaskArn); (id == "" && len(snap.Logs[a]) > 0) || match(a) {
			return a, false, true
		}
	}
	// Logs can outlive the task in AWS's memory.
	for a := range snap.Logs {
		if match(a) {
			return a, true, true
		}
	}
	return "", false, false
}

func renderLogs(p text.Printer, ref ServiceRef, snap *aws.ServiceSnapshot, id string, n int, prefix string, loc *time.Location) reply.Message {
	name := ref.Name()
	m := reply.Message{
		Footer:   p.T("why.footer", "Cluster", ref.Cluster, "Service", ref.Service),
		DataTime: snap.Now.In(loc),
		Severity: reply.Info,
	}
	arn, stopped, ok := pickTask(snap, id)
	if !ok {
		m.Severity = reply.Warning
		if id != "" {
			m.Title = p.T("logs.no_task", "Service", name, "Task", id)
		} else {
			m.Title = p.T("logs.no_tasks", "Service", name)
		}
		return m
	}
	lines := snap.Logs[arn]
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	state := "logs.running"
	if stopped {
		state = "logs.stopped"
	}
	m.Title = p.T("logs.title", "Service", name, "N", len(lines), "Task", explain.ShortID(arn), "State", p.T(state))
	if stopped {
		why := prefix + "why " + name + " " + explain.ShortID(arn)
		m.Buttons = []reply.Button{{ID: why, Label: why, Style: reply.Secondary}}
	}
	if len(lines) == 0 {
		m.Title = p.T("logs.title.none", "Service", name, "Task", explain.ShortID(arn), "State", p.T(state))
		m.Severity = reply.Warning
		m.Description = p.T("logs.empty")
		return m
	}
	text := make([]string, len(lines))
	for i, l := range lines {
		text[i] = explain.Clock(l.T.In(loc)) + " " + clip(strings.TrimRight(explain.CodeSafe(l.Message), "\n"), 300)
	}
	m.Description = explain.CodeBlock(text, reply.MaxDescription-200)
	if shown := strings.Count(m.Description, "\n") - 1; shown < len(lines) {
		m.Description = p.T("logs.cut", "Shown", shown, "N", len(lines)) + "\n" + m.Description
	}
	return m
}
