package mcpserver

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// Poster puts a proposal before the team in Discord (bot.Poster).
type Poster interface {
	Post(ctx context.Context, m reply.Message) error
}

type proposeArgs struct {
	Command string `json:"command" jsonschema:"the guarded change, as a remedy of why gives it, e.g. !scale backend cpu 1024"`
	Reason  string `json:"reason,omitempty" jsonschema:"why the change helps, in a sentence or two, for the people who decide"`
}

// Proposal is propose_change's structured result.
type Proposal struct {
	Command string `json:"command"` // as a person types it in Discord
	Posted  bool   `json:"posted"`  // false: shown here only
	Applied bool   `json:"applied"` // always false: MCP never applies a change
}

// maxReason keeps an agent's reason to a readable size in Discord.
const maxReason = 500

// proposeChange checks a guarded change's words as the chat would and
// posts them to Discord as a proposal. It never plans, approves or applies:
// a person types the command in Discord, ecsmedic plans it there, and an
// approver decides, as for any change.
func (s *Server) proposeChange(ctx context.Context, _ *mcp.CallToolRequest, in proposeArgs) (*mcp.CallToolResult, any, error) {
	p := text.New(text.Normalize(s.opt.Locale))
	if p.Lang() == "" {
		p = text.New("en")
	}
	words := strings.Fields(strings.TrimPrefix(strings.TrimSpace(in.Command), s.r.Prefix()))
	if len(words) == 0 {
		return s.failed(reply.Message{Title: p.T("mcp.propose.bad.title"), Description: p.T("mcp.propose.need_command"), Failed: true}), nil, nil
	}
	name := strings.ToLower(words[0])
	switch name {
	case "approve", "reject", "cancel":
		return s.failed(reply.Message{Title: p.T("mcp.propose.bad.title"), Description: p.T("mcp.propose.no_decide", "Command", name), Failed: true}), nil, nil
	}
	if _, _, err := commands.ParseChange(name, words[1:]); err != nil {
		if errors.Is(err, commands.ErrNotAChange) {
			return s.failed(reply.Message{Title: p.T("mcp.propose.bad.title"), Description: p.T("mcp.propose.not_change", "Command", name), Failed: true}), nil, nil
		}
		return s.failed(s.r.ErrorReply(s.from(), name, err)), nil, nil
	}
	cmd := s.r.Prefix() + strings.Join(words, " ")
	reason := s.opt.Redact.String(strings.TrimSpace(in.Reason))
	if utf8.RuneCountInString(reason) > maxReason {
		reason = string([]rune(reason)[:maxReason]) + "…"
	}
	m := reply.Message{
		Title:       p.T("mcp.propose.title"),
		Description: p.T("mcp.propose.body", "Command", cmd),
		Severity:    reply.Info,
	}
	if reason != "" {
		m.Fields = append(m.Fields, reply.Field{Name: p.T("mcp.propose.reason"), Value: reason})
	}
	out := Proposal{Command: cmd}
	if s.opt.Poster == nil {
		res := s.text(m)
		res.Content = append(res.Content, &mcp.TextContent{Text: p.T("mcp.propose.not_posted")})
		return res, out, nil
	}
	if err := s.opt.Poster.Post(ctx, m); err != nil {
		return s.failed(reply.Message{Title: p.T("mcp.propose.post_failed.title"), Description: p.T("mcp.propose.post_failed", "Err", err.Error()), Failed: true}), nil, nil
	}
	out.Posted = true
	res := s.text(m)
	res.Content = append(res.Content, &mcp.TextContent{Text: p.T("mcp.propose.posted")})
	return res, out, nil
}
