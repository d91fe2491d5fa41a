package commands

import (
	"context"
	"strings"

	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

func helpCommand() command {
	return command{Name: "help", Run: runHelp}
}

func runHelp(_ context.Context, r *Router, c *call) []reply.Message {
	req := HelpRequest{From: c.from()}
	if len(c.line.Args) > 0 {
		req.Command = c.line.Args[0]
	}
	return []reply.Message{r.help(c.p, req)}
}

// help is the list of commands, or one command ("why", "!why" or "WHY")
// explained.
func (r *Router) help(p text.Printer, req HelpRequest) reply.Message {
	if name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(req.Command), r.env.prefix())); name != "" {
		return r.helpFor(p, name)
	}
	return r.helpAll(p)
}

func (r *Router) helpAll(p text.Printer) reply.Message {
	pre := r.env.prefix()
	var ready, later []string
	for _, c := range commandsOnce().ordered {
		line := "`" + r.usage(p, c.Name) + "` — " + p.T("help."+c.Name)
		if c.Run == nil {
			later = append(later, line)
		} else {
			ready = append(ready, line)
		}
	}
	m := reply.Message{
		Title:       p.T("help.title"),
		Description: p.T("help.intro", "Prefix", pre),
		Severity:    reply.Info,
		Fields:      []reply.Field{{Name: p.T("help.field.ready"), Value: strings.Join(ready, "\n")}},
	}
	if len(later) > 0 {
		m.Fields = append(m.Fields, reply.Field{Name: p.T("help.field.later"), Value: strings.Join(later, "\n")})
	}
	if names := r.env.Services.Names(); len(names) > 0 {
		m.Fields = append(m.Fields, reply.Field{Name: p.T("help.field.services"), Value: "`" + strings.Join(names, "`, `") + "`"})
	}
	return m
}

func (r *Router) helpFor(p text.Printer, name string) reply.Message {
	c, ok := commandsOnce().byName[name]
	if !ok {
		return r.shortHelp(p, p.T("usage.unknown_command", "Command", clip(name, 40), "Prefix", r.env.prefix()))
	}
	m := reply.Message{
		Title:       "`" + r.usage(p, c.Name) + "`",
		Description: p.T("help." + c.Name + ".long"),
		Severity:    reply.Info,
	}
	if ex := "help." + c.Name + ".examples"; p.Has(ex) {
		m.Fields = append(m.Fields, reply.Field{Name: p.T("help.field.examples"), Value: p.T(ex, "Prefix", r.env.prefix(), "Service", r.exampleService())})
	}
	if c.Run == nil {
		m.Fields = append(m.Fields, reply.Field{Name: p.T("help.field.status"), Value: p.T("notyet.body", "Prefix", r.env.prefix())})
	}
	return m
}

// exampleService is a real service name for the examples, so they can be
// copied as they are.
func (r *Router) exampleService() string {
	if len(r.env.Services) > 0 {
		return r.env.Services[0].Name()
	}
	return "backend"
}
