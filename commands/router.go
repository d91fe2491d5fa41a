package commands

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ecsmedic/ecsmedic/commands/change"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/commands/text"
)

// Input is one chat line and who sent it.
type Input struct {
	Text     string
	User     string // the platform's user ID
	UserName string
	Locale   string // "en" or "ko" overrides Env.Locale; anything else is ignored
	// Roles are the user's Discord role IDs: who may ask for and approve
	// guarded changes.
	Roles []string
	// Console marks the person at the terminal, an operator console who
	// may approve their own changes (so does User == ConsoleUser).
	Console   bool
	ChannelID string // where the message came from, for later edits
	// OnChange, when set, is given the typed outcome of a change command
	// (a plan, an approval, a rejection, a cancel), so that a front-end
	// acts on values rather than on the reply's text.
	OnChange func(change.Outcome)
}

// command is one entry of the router's table. Each lives in its own file.
type command struct {
	Name string
	// Aliases are other words for it. The words of every language come
	// from the bundle (alias.NAME in commands/text), added by NewRouter.
	Aliases []string
	// Run answers the call; nil means the command is announced but not
	// built yet.
	Run func(ctx context.Context, r *Router, c *call) []reply.Message
}

// call is one command line being answered.
type call struct {
	in   Input
	line Line
	p    text.Printer
}

// from is who asks, for the typed entry points.
func (c *call) from() From { return From{User: c.in.User, Locale: c.in.Locale} }

// Router answers chat lines.
type Router struct {
	env Env
}

// commandTable is the commands by name and alias, and in the order of the
// table for help. It is the same for every router, and built on first use:
// the aliases come from the text bundle, whose parse a one-shot command
// then pays while it waits for AWS rather than before its first call.
type commandTable struct {
	byName  map[string]command
	ordered []command
}

var (
	tableOnce sync.Once
	theTable  commandTable
)

// commandsOnce is the command table, built once.
func commandsOnce() commandTable {
	tableOnce.Do(func() {
		theTable.byName = map[string]command{}
		for _, c := range table() {
			c.Aliases = aliases(c)
			theTable.ordered = append(theTable.ordered, c)
			theTable.byName[c.Name] = c
			for _, a := range c.Aliases {
				theTable.byName[a] = c
			}
		}
	})
	return theTable
}

// gatherTimeout bounds one command's reads so a chat never hangs on AWS.
const gatherTimeout = 45 * time.Second

// table lists the commands, in the order help shows them.
func table() []command {
	return []command{
		whyCommand(),
		statusCommand(),
		logsCommand(),
		summaryCommand(),
		postmortemCommand(),
		scaleCommand(),
		reservationCommand(),
		autoscaleCommand(),
		healthcheckCommand(),
		rollbackCommand(),
		approveCommand(),
		rejectCommand(),
		cancelCommand(),
		helpCommand(),
	}
}

// NewRouter builds a router over env.
func NewRouter(env Env) *Router {
	return &Router{env: env}
}

// aliases are the words for a command other than its name: the bundle's,
// in every language, then any the command still lists itself.
func aliases(c command) []string {
	var out []string
	seen := map[string]bool{c.Name: true}
	for _, a := range append(text.Words("alias."+c.Name), c.Aliases...) {
		if a = strings.ToLower(a); !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// IsCommand reports whether text starts with the prefix, for a chat platform
// deciding which messages are meant for the bot.
func (r *Router) IsCommand(s string) bool {
	_, err := Parse(s, r.env.prefix(), false)
	return err == nil
}

func (r *Router) printer(locale string) text.Printer {
	if l := text.Normalize(locale); l != "" {
		return text.New(l)
	}
	return text.New(r.env.Locale)
}

// Handle answers one chat line, the `!` prefix path: it reads the text
// and calls the same typed entry points as every other front-end. The
// prefix is optional. It never panics and always answers something, even
// to nonsense.
func (r *Router) Handle(ctx context.Context, in Input) []reply.Message {
	return r.answer(ctx, clip(in.Text, 200), From{User: in.User, Locale: in.Locale}, func(ctx context.Context, p text.Printer) []reply.Message {
		line, err := Parse(in.Text, r.env.prefix(), true)
		if err != nil {
			return []reply.Message{r.shortHelp(p, p.T("usage.empty"))}
		}
		line = buttonLine(line)
		cmd, ok := commandsOnce().byName[line.Command]
		if !ok {
			return []reply.Message{r.shortHelp(p, p.T("usage.unknown_command", "Command", clip(line.Command, 40), "Prefix", r.env.prefix()))}
		}
		slog.Info("command", "command", cmd.Name, "args", clip(strings.Join(line.Args, " "), 200), "user", in.User)
		if cmd.Run == nil {
			return []reply.Message{{
				Title:       p.T("notyet.title", "Prefix", r.env.prefix(), "Command", cmd.Name),
				Description: p.T("notyet.body", "Prefix", r.env.prefix()),
				Severity:    reply.Info,
			}}
		}
		return cmd.Run(ctx, r, &call{in: in, line: line, p: p})
	})
}

// shortHelp is the answer to a line the router cannot use.
func (r *Router) shortHelp(p text.Printer, problem string) reply.Message {
	var names []string
	for _, c := range commandsOnce().ordered {
		if c.Run != nil {
			names = append(names, "`"+r.env.prefix()+c.Name+"`")
		}
	}
	return reply.Message{
		Title:       problem,
		Description: p.T("help.short", "Commands", strings.Join(names, ", "), "Prefix", r.env.prefix()),
		Severity:    reply.Warning,
		Failed:      true,
	}
}

// errorReply words an error for people: a usage problem with the command's
// usage, an unknown service with suggestions, an AWS error as the aws layer
// worded it. Never a stack trace.
func (r *Router) errorReply(p text.Printer, cmd string, err error) (m reply.Message) {
	// Every error reply says so, for one-shot commands' exit status.
	defer func() { m.Failed = true }()
	var ue *usageError
	var us *UnknownServiceError
	switch {
	case errors.As(err, &ue):
		return reply.Message{
			Title:       p.T("usage.title"),
			Description: p.T(ue.id, ue.kv...) + "\n" + p.T("usage.line", "Usage", r.usage(p, cmd), "Prefix", r.env.prefix(), "Command", cmd),
			Severity:    reply.Warning,
		}
	case errors.As(err, &us) && len(us.Ambiguous) > 0:
		return reply.Message{Title: p.T("service.ambiguous.title"),
			Description: p.T("service.ambiguous", "Name", clip(us.Name, 40), "Names", strings.Join(us.Ambiguous, ", ")), Severity: reply.Warning}
	case errors.As(err, &us):
		desc := p.T("service.unknown", "Name", clip(us.Name, 40))
		if len(us.Suggestions) > 0 {
			desc += " " + p.T("service.did_you_mean", "Names", strings.Join(us.Suggestions, ", "))
		}
		if len(us.Known) > 0 {
			desc += "\n" + p.T("service.known", "Names", strings.Join(us.Known, ", "))
		} else {
			desc += "\n" + p.T("service.none_configured")
		}
		return reply.Message{Title: p.T("service.unknown.title"), Description: desc, Severity: reply.Warning}
	case errors.Is(err, errNoAWS):
		return reply.Message{Title: p.T("error.aws.title"), Description: p.T("error.no_aws"), Severity: reply.Warning}
	case errors.Is(err, context.DeadlineExceeded):
		return reply.Message{Title: p.T("error.aws.title"), Description: p.T("error.timeout"), Severity: reply.Warning}
	case errors.Is(err, context.Canceled):
		return reply.Message{Title: p.T("error.aws.title"), Description: p.T("error.canceled"), Severity: reply.Warning}
	default:
		slog.Warn("command failed", "command", cmd, "err", err)
		return reply.Message{Title: p.T("error.aws.title"), Description: clip(err.Error(), 1500), Severity: reply.Critical}
	}
}

// usage is one command's usage line, "" for unknown commands.
func (r *Router) usage(p text.Printer, name string) string {
	id := "usage." + name
	if !p.Has(id) {
		return ""
	}
	return r.env.prefix() + p.T(id)
}

// one runs fn with the resolved service, answering errors kindly.
func (r *Router) resolve(c *call, cmd, name string) (ServiceRef, *reply.Message) {
	ref, err := r.env.Resolve(name)
	if err != nil {
		m := r.errorReply(c.p, cmd, err)
		return ServiceRef{}, &m
	}
	if r.env.AWS == nil {
		m := r.errorReply(c.p, cmd, errNoAWS)
		return ServiceRef{}, &m
	}
	return ref, nil
}
