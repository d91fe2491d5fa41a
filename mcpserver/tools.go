package mcpserver

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
)

// The tools' arguments. The field comments become the input schema's
// descriptions, which the agent's model reads.
type (
	whyArgs struct {
		Service string `json:"service" jsonschema:"the service: its alias in the config or its ECS service name"`
		TaskID  string `json:"task_id,omitempty" jsonschema:"a task ID, a unique prefix of 6+ characters or a task ARN; empty means the latest stop"`
		Since   string `json:"since,omitempty" jsonschema:"how far back to look, like 2h or 30m; empty means the last hour or back to the latest stop"`
	}
	statusArgs struct {
		Service string `json:"service,omitempty" jsonschema:"one service; empty means every service"`
	}
	logsArgs struct {
		Service string `json:"service" jsonschema:"the service"`
		TaskID  string `json:"task_id,omitempty" jsonschema:"a task ID or prefix; empty means the most recently stopped task"`
		Lines   int    `json:"lines,omitempty" jsonschema:"how many of the last lines; 0 means the default"`
	}
	summaryArgs    struct{}
	postmortemArgs struct {
		Service string `json:"service" jsonschema:"the service"`
		Since   string `json:"since,omitempty" jsonschema:"how far back to look, like 24h; empty means the default"`
	}
)

// Replies is the structured result of status, logs, summary and
// postmortem: the router's replies as data. (why's is the diagnosis
// itself, as `why --format json` prints it: docs/why-json.md.)
type Replies struct {
	Command string      `json:"command"`
	Replies []ReplyJSON `json:"replies"`
}

// ReplyJSON is one reply: what the chat shows, without the chart images
// and the buttons (their commands are in the text).
type ReplyJSON struct {
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	Severity    string      `json:"severity"`
	Fields      []FieldJSON `json:"fields,omitempty"`
	Footer      string      `json:"footer,omitempty"`
	DataTime    *time.Time  `json:"dataTime,omitempty"`
}

// FieldJSON is one named block of a reply.
type FieldJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

var readOnly = &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(true)}

func ptr[T any](v T) *T { return &v }

func (s *Server) addTools() (err error) {
	// The SDK panics on a schema it cannot infer from an argument type: a
	// programming error, but one that should stop the command, not crash it.
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("registering the MCP tools: %v", v)
		}
	}()
	mcp.AddTool(s.mcp, &mcp.Tool{
		Name:  "why",
		Title: "Why did the service's task stop?",
		Description: "The diagnosis of a service's latest stopped task (or a named one): one cause code, " +
			"contributing factors, confidence, evidence with numbers, the last log lines and remedies. " +
			"The structured result is the JSON of `ecsmedic why --format json` (docs/why-json.md); " +
			"cause codes are explained in docs/causes.md.",
		Annotations: readOnly,
	}, s.why)
	mcp.AddTool(s.mcp, &mcp.Tool{
		Name:        "status",
		Title:       "How are the services now?",
		Description: "Running and desired tasks, CPU and memory against the reservation, target health and the cluster's reservation, per service.",
		Annotations: readOnly,
	}, s.status)
	mcp.AddTool(s.mcp, &mcp.Tool{
		Name:        "logs",
		Title:       "The last log lines of a stopped task",
		Description: "The last log lines of the service's most recently stopped (or a named) task, with secrets masked.",
		Annotations: readOnly,
	}, s.logs)
	mcp.AddTool(s.mcp, &mcp.Tool{
		Name:        "summary",
		Title:       "The daily summary, now",
		Description: "The last 24 hours of the cluster: services that need attention, stops by cause, peaks against the reservation.",
		Annotations: readOnly,
	}, s.summary)
	mcp.AddTool(s.mcp, &mcp.Tool{
		Name:  "propose_change",
		Title: "Propose a guarded change to the team",
		Description: "Puts a guarded change (scale, reservation, autoscale, healthcheck, rollback; a remedy's command " +
			"from why) before the team in their Discord channel, with your reason. It changes nothing: a person " +
			"types the command in Discord, ecsmedic plans it there, and an approver must approve it. Approving, " +
			"rejecting or applying is not possible through MCP.",
		// It writes nothing to AWS; it may post one message to Discord.
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: false, DestructiveHint: ptr(false), IdempotentHint: false, OpenWorldHint: ptr(true)},
	}, s.proposeChange)
	if s.opt.Postmortem != nil {
		mcp.AddTool(s.mcp, &mcp.Tool{
			Name:        "postmortem",
			Title:       "A post-mortem of a service's incident",
			Description: "A post-mortem draft of the service's recent stops: timeline, cause, evidence and follow-ups.",
			Annotations: readOnly,
		}, s.postmortem)
	}
	return nil
}

func (s *Server) why(ctx context.Context, _ *mcp.CallToolRequest, in whyArgs) (*mcp.CallToolResult, any, error) {
	req := commands.WhyRequest{Service: strings.TrimSpace(in.Service), TaskID: strings.TrimSpace(in.TaskID), From: s.from()}
	since, m, ok := s.since("why", in.Since)
	if !ok {
		return s.failed(m), nil, nil
	}
	req.Since = since
	d, m, err := s.r.WhyReport(ctx, req)
	if err != nil {
		return s.failed(m), nil, nil
	}
	s.opt.Redact.Strings(&d) // log lines and AWS's text, as `why --format json` does
	return s.text(m), d, nil
}

func (s *Server) status(ctx context.Context, _ *mcp.CallToolRequest, in statusArgs) (*mcp.CallToolResult, any, error) {
	return s.replies("status", s.r.Status(ctx, commands.StatusRequest{Service: strings.TrimSpace(in.Service), From: s.from()}))
}

func (s *Server) logs(ctx context.Context, _ *mcp.CallToolRequest, in logsArgs) (*mcp.CallToolResult, any, error) {
	req := commands.LogsRequest{Service: strings.TrimSpace(in.Service), TaskID: strings.TrimSpace(in.TaskID), Lines: in.Lines, From: s.from()}
	return s.replies("logs", s.r.Logs(ctx, req))
}

func (s *Server) summary(ctx context.Context, _ *mcp.CallToolRequest, _ summaryArgs) (*mcp.CallToolResult, any, error) {
	return s.replies("summary", s.r.Summary(ctx, commands.SummaryRequest{From: s.from()}))
}

func (s *Server) postmortem(ctx context.Context, _ *mcp.CallToolRequest, in postmortemArgs) (*mcp.CallToolResult, any, error) {
	since, m, ok := s.since("postmortem", in.Since)
	if !ok {
		return s.failed(m), nil, nil
	}
	return s.replies("postmortem", s.opt.Postmortem(ctx, strings.TrimSpace(in.Service), since, s.from()))
}

// since reads a duration as the chat does ("2h"), or the reply that says
// what is wrong with it.
func (s *Server) since(cmd, v string) (time.Duration, reply.Message, bool) {
	if strings.TrimSpace(v) == "" {
		return 0, reply.Message{}, true
	}
	d, err := commands.ParseSince(strings.TrimSpace(v))
	if err != nil {
		return 0, s.r.ErrorReply(s.from(), cmd, err), false
	}
	return d, reply.Message{}, true
}

// replies is the result of a command answered with replies: a tool error
// (the worded reply) when one failed, else the replies as text and data.
func (s *Server) replies(cmd string, ms []reply.Message) (*mcp.CallToolResult, any, error) {
	out := Replies{Command: cmd, Replies: []ReplyJSON{}}
	res := &mcp.CallToolResult{}
	for _, m := range ms {
		if m.Failed {
			return s.failed(m), nil, nil
		}
		m = m.Redacted(s.opt.Redact)
		res.Content = append(res.Content, &mcp.TextContent{Text: s.render(m)})
		out.Replies = append(out.Replies, replyJSON(m))
	}
	return res, out, nil
}

func replyJSON(m reply.Message) ReplyJSON {
	j := ReplyJSON{Title: m.Title, Description: m.Description, Severity: severity(m.Severity), Footer: m.Footer}
	if !m.DataTime.IsZero() {
		t := m.DataTime
		j.DataTime = &t
	}
	for _, f := range m.Fields {
		j.Fields = append(j.Fields, FieldJSON{Name: f.Name, Value: f.Value})
	}
	return j
}

func severity(s reply.Severity) string {
	switch s {
	case reply.Warning:
		return "warning"
	case reply.Critical:
		return "critical"
	case reply.OK:
		return "ok"
	}
	return "info"
}

// text is a result whose content is the reply's text rendering; the SDK
// adds the structured content beside it.
func (s *Server) text(m reply.Message) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s.render(m)}}}
}

// failed is a tool error, worded for a person (an unknown service says
// which ones exist): an answer the agent reads, not a protocol failure.
func (s *Server) failed(m reply.Message) *mcp.CallToolResult {
	res := s.text(m)
	res.IsError = true
	return res
}

func (s *Server) render(m reply.Message) string {
	return strings.TrimRight(reply.RenderText(m, reply.TextOptions{Redactor: s.opt.Redact}), "\n")
}
