// Package mcpserver serves ecsmedic's reading commands (why, status, logs,
// summary, postmortem) as Model Context Protocol tools, so a coding agent
// asks the same router the chat and the command line ask. They only read;
// propose_change at most posts a proposal to Discord. Nothing here can
// plan, approve or apply a change: that stays with people in Discord.
package mcpserver

import (
	"context"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ecsmedic/ecsmedic/commands"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/internal/redact"
)

// PostmortemFunc writes a service's post-mortem as replies, as
// `ecsmedic postmortem` does. It is a function, not a router method, so
// this package builds before Router.Postmortem exists; cmd_mcp.go wires it.
type PostmortemFunc func(ctx context.Context, service string, since time.Duration, from commands.From) []reply.Message

// Options configure the server.
type Options struct {
	Version string // ecsmedic's version, told to the client
	Locale  string // "en" or "ko": the language of the text renderings
	// Redact masks secrets quoted from AWS in every result; nil masks
	// everything (as for a world file with no config).
	Redact *redact.Redactor
	// Postmortem, when set, is served as the postmortem tool.
	Postmortem PostmortemFunc
	// Poster, when set, posts propose_change's proposals to the team's
	// Discord channel; nil (no Discord configured) shows them only to the
	// agent, saying they were not posted.
	Poster Poster
}

// Server is the MCP server over one router.
type Server struct {
	r   *commands.Router
	opt Options
	mcp *mcp.Server
}

// New builds the server and its tools.
func New(r *commands.Router, opt Options) (*Server, error) {
	s := &Server{r: r, opt: opt}
	s.mcp = mcp.NewServer(&mcp.Implementation{Name: "ecsmedic", Title: "ecsmedic", Version: opt.Version},
		&mcp.ServerOptions{Instructions: instructions})
	if err := s.addTools(); err != nil {
		return nil, err
	}
	return s, nil
}

// instructions tell the agent's model what the server is for.
const instructions = "ecsmedic explains why Amazon ECS tasks stopped. Call `why` with a service " +
	"to get the diagnosis (cause code, evidence, remedies), `status` for how services are now, " +
	"`logs` for the last log lines of a stopped task, `summary` for the last 24 hours. " +
	"These tools only read. A remedy's command (such as `!scale backend cpu 1024`) can be put " +
	"before the team with `propose_change`, which posts it to their Discord channel; a person " +
	"there asks for it and an approver must approve it. Nothing can be applied or approved from here."

// Run serves the protocol on t until the client leaves or ctx ends.
func (s *Server) Run(ctx context.Context, t mcp.Transport) error {
	if err := s.mcp.Run(ctx, t); err != nil && ctx.Err() == nil {
		return fmt.Errorf("serving MCP: %w", err)
	}
	return nil
}

// MCP is the SDK's server, to connect a transport of one's own (tests).
func (s *Server) MCP() *mcp.Server { return s.mcp }

func (s *Server) from() commands.From { return commands.From{Locale: s.opt.Locale} }
